using System.Text.Json.Nodes;
using LibCni;
using LibCni.TestKit;

namespace SpecTests.Kit;

/// <summary>The spec versions a plugin claims in its VERSION output: the kit tests every one of them.</summary>
public static class ClaimedVersions
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Cache = [];

    /// <summary>Claimed versions the kit knows, oldest first; empty when VERSION fails (its own case reports why).</summary>
    public static IReadOnlyList<string> Of(string plugin)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(plugin, out var versions))
            {
                versions = Query(plugin);
                Cache[plugin] = versions;
            }

            return versions;
        }
    }

    public static string Newest(string plugin) => Of(plugin) is { Count: > 0 } v ? v[^1] : SpecVersions.Current;

    private static IReadOnlyList<string> Query(string plugin)
    {
        try
        {
            var run = Shell.Exec(SpecSettings.PluginPath(plugin), [], """{"cniVersion":"1.0.0"}""",
                new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, clearEnvironment: true);
            if (run.ExitCode != 0 || JsonNode.Parse(run.Stdout)?["supportedVersions"] is not JsonArray list)
            {
                return [];
            }

            var claimed = list.Select(v => v?.GetValue<string>()).ToHashSet();
            return SpecVersions.All.Where(claimed.Contains).ToList();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }
}
