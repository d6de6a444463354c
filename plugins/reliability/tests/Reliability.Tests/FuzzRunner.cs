using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.TestKit;

namespace Reliability.Tests;

/// <summary>
/// Runs fuzz cases against one plugin on a private node (host netns, container netns, dataDir) and judges
/// each: <see cref="Verdict"/> on the output, and for a failed ADD no new link (host or container), no new
/// reservation file and no new nftables rule. A successful ADD is undone with DEL so state stays small.
/// </summary>
public sealed class FuzzRunner(string plugin) : IDisposable
{
    // A hang is a run that never ends; 5 s was once exceeded by a DEL that replays in milliseconds, starved of
    // CPU while every privileged assembly ran at once on two cores (corpus/bridge/3293c836af9c9dad.json).
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private Sandbox _node = new("cnifz");

    public string Plugin => plugin;

    /// <summary>Where crashing inputs are kept and replayed from.</summary>
    public static string CorpusDir(string plugin) => Path.Combine(Repo.Root, "plugins", "reliability", "tests", "Reliability.Tests", "corpus", plugin);

    /// <summary>Null when the case was handled well, else what went wrong.</summary>
    public string? Run(FuzzCase fuzzCase)
    {
        var stdin = Resolve(fuzzCase.Stdin);
        if (!IsConfinedToDataDir(stdin))
        {
            return null;
        }

        var env = fuzzCase.Env.ToDictionary(kv => kv.Key, kv => kv.Value?.Replace(FuzzCase.NetnsToken, _node.Container.Path, StringComparison.Ordinal).Replace(FuzzCase.BinDirToken, Repo.BinDir, StringComparison.Ordinal));
        var isAdd = fuzzCase.Command == "ADD";
        var before = isAdd ? Snapshot() : null;
        var outcome = PluginProcess.Run(plugin, _node.Host.Name, env, stdin, Timeout, _node.WorkDir);
        if (Verdict.Violation(outcome, fuzzCase.Command) is { } violation)
        {
            return $"{violation}: {outcome}";
        }

        if (isAdd && outcome.ExitCode == 1)
        {
            var after = Snapshot();
            if (before!.Diff(after) is { } leak)
            {
                return $"failed ADD left state behind: {leak}; {outcome}";
            }
        }
        else if (isAdd && outcome.ExitCode == 0)
        {
            Undo(env, stdin);
        }

        return null;
    }

    /// <summary>Keeps a failing case for the regression corpus (placeholders in place of this node's paths).</summary>
    public static string Save(FuzzCase fuzzCase, string violation)
    {
        var doc = new JsonObject
        {
            ["plugin"] = fuzzCase.Plugin,
            ["description"] = fuzzCase.Description,
            ["violation"] = violation.Length > 2000 ? violation[..2000] : violation,
            ["env"] = new JsonObject(fuzzCase.Env.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(kv.Value is null ? null : JsonValue.Create(kv.Value))))),
            ["stdin"] = Convert.ToBase64String(fuzzCase.Stdin),
        };
        var dir = CorpusDir(fuzzCase.Plugin);
        Directory.CreateDirectory(dir);
        var name = Convert.ToHexStringLower(SHA256.HashData(fuzzCase.Stdin.Concat(Encoding.UTF8.GetBytes(doc["env"]!.ToJsonString())).ToArray()))[..16] + ".json";
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public static FuzzCase Load(string path)
    {
        var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var env = doc["env"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>());
        return new FuzzCase(doc["plugin"]!.GetValue<string>(), env, Convert.FromBase64String(doc["stdin"]!.GetValue<string>()), doc["description"]?.GetValue<string>() ?? path);
    }

    public void Dispose() => _node.Dispose();

    private byte[] Resolve(byte[] stdin)
    {
        var token = Encoding.UTF8.GetBytes(FuzzCase.DataDirToken);
        var index = stdin.AsSpan().IndexOf(token);
        if (index < 0)
        {
            return stdin;
        }

        var replaced = new List<byte>(stdin.Length + 64);
        var rest = stdin.AsSpan();
        while ((index = rest.IndexOf(token)) >= 0)
        {
            replaced.AddRange(rest[..index]);
            replaced.AddRange(Encoding.UTF8.GetBytes(_node.DataDir));
            rest = rest[(index + token.Length)..];
        }

        replaced.AddRange(rest);
        return [.. replaced];
    }

    /// <summary>
    /// Never let a mutation send host-local to its default /var/lib/cni/networks or anywhere else on the
    /// real disk: any config the plugins could parse must name exactly our dataDir in every ipam object.
    /// </summary>
    private bool IsConfinedToDataDir(byte[] stdin)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stdin, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 100_000 });
        }
        catch (JsonException)
        {
            return true;
        }

        using (doc)
        {
            try
            {
                return IsConfined(doc.RootElement);
            }
            catch (InvalidOperationException)
            {
                // A name or value with a lone surrogate escape (\ud800) cannot be read as text: where such a
                // config would write cannot be told, so the case is not run.
                return false;
            }
        }
    }

    private bool IsConfined(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals("ipam", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Object)
            {
                var dataDirs = property.Value.EnumerateObject().Where(p => p.Name.Equals("dataDir", StringComparison.OrdinalIgnoreCase)).ToList();
                if (dataDirs.Count != 1 || dataDirs[0].Value.ValueKind != JsonValueKind.String || dataDirs[0].Value.GetString() != _node.DataDir)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private void Undo(Dictionary<string, string?> env, byte[] stdin)
    {
        var del = new Dictionary<string, string?>(env) { ["CNI_COMMAND"] = "DEL" };
        PluginProcess.Run(plugin, _node.Host.Name, del, stdin, Timeout, _node.WorkDir);
        if (Sandbox.Links(_node.Container.Path).Count > 1 || _node.HostLinks().Count > 8)
        {
            // Names the mutation chose may leave links DEL does not know; start over on a fresh node.
            _node.Dispose();
            _node = new Sandbox("cnifz");
        }
    }

    /// <summary>
    /// The bridge device itself is shared by every attachment and, as in the reference, stays when an ADD
    /// fails after creating it (deleting it could pull it from under a concurrent ADD); veths must not stay.
    /// </summary>
    private NodeState Snapshot() => new(Sandbox.LinksExceptBridges(_node.Host.Path), Sandbox.Links(_node.Container.Path), _node.IpFiles(), plugin is "bridge" or "portmap" ? TaggedRules() : []);

    /// <summary>Rules carrying an attachment's tag; untagged ones are the shared table scaffolding, created once per node.</summary>
    private List<string> TaggedRules() => _node.NftRules().Where(r => !r.EndsWith(':')).ToList();

    private sealed record NodeState(List<string> HostLinks, List<string> ContainerLinks, List<string> IpFiles, List<string> Rules)
    {
        public string? Diff(NodeState after)
        {
            var changes = new List<string>();
            Added("host links", HostLinks, after.HostLinks, changes);
            Added("container links", ContainerLinks, after.ContainerLinks, changes);
            Added("dataDir files", IpFiles, after.IpFiles, changes);
            Added("nft rules", Rules, after.Rules, changes);
            return changes.Count == 0 ? null : string.Join("; ", changes);
        }

        private static void Added(string what, List<string> before, List<string> after, List<string> changes)
        {
            var added = after.Except(before).ToList();
            if (added.Count > 0 || after.Count > before.Count)
            {
                changes.Add($"new {what}: {string.Join(", ", added.DefaultIfEmpty($"{after.Count - before.Count} more"))}");
            }
        }
    }
}
