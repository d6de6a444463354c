using System.Text.Json.Nodes;

namespace SpecTests.Kit;

/// <summary>
/// One listed way an implementation departs from the spec. For that implementation the named case must fail,
/// with a message containing <see cref="Observed"/>; passing is a failure too, so the list stays true.
/// </summary>
public sealed record KnownDifference(string Implementation, string Plugin, string Case, IReadOnlyList<string?>? Versions, string Observed, string Reason)
{
    public bool Covers(string implementation, string plugin, string caseId, string? version) =>
        Implementation == implementation && Plugin == plugin && Case == caseId && (Versions is null || (version is not null && Versions.Contains(version)));
}

/// <summary>Reads <c>known-differences.json</c>: <c>{ "&lt;implementation&gt;": [ {plugin, case, versions?, observed, reason} ] }</c>.</summary>
public static class KnownDifferences
{
    private static readonly Lazy<IReadOnlyList<KnownDifference>> Entries = new(() => Load(File.ReadAllText(SpecSettings.KnownDifferencesFile)));

    public static IReadOnlyList<KnownDifference> All => Entries.Value;

    public static KnownDifference? Find(string implementation, string plugin, string caseId, string? version) =>
        All.FirstOrDefault(d => d.Covers(implementation, plugin, caseId, version));

    public static IReadOnlyList<KnownDifference> Load(string json)
    {
        var root = JsonNode.Parse(json, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip }) as JsonObject
            ?? throw new FormatException("known-differences.json must be an object keyed by implementation");
        var list = new List<KnownDifference>();
        foreach (var (implementation, entries) in root)
        {
            if (implementation.StartsWith('$'))
            {
                continue; // "$comment" and the like
            }

            foreach (var entry in entries as JsonArray ?? throw new FormatException($"\"{implementation}\" must be an array"))
            {
                string Field(string name) => entry?[name]?.GetValue<string>() is { Length: > 0 } value
                    ? value
                    : throw new FormatException($"a {implementation} difference lacks \"{name}\": {entry?.ToJsonString()}");
                var versions = entry?["versions"] is JsonArray v ? v.Select(x => (string?)x!.GetValue<string>()).ToList() : null;
                list.Add(new KnownDifference(implementation, Field("plugin"), Field("case"), versions, Field("observed"), Field("reason")));
            }
        }

        return list;
    }
}
