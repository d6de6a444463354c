using System.Text;
using System.Text.Json.Nodes;
using LibCni.Runtime;
using LibCni.Types;

namespace LibCni.Runtime.Tests;

/// <summary>One recorded plugin call: which plugin, which verb, what it got on stdin and in CNI_*.</summary>
public sealed record RecordedCall(string Type, PluginEnvironment Environment, JsonObject Stdin)
{
    public string Command => Environment.Command;

    public override string ToString() => $"{Command} {Type}";
}

/// <summary>
/// A plugin executor that runs nothing: it records every call and answers from per-(type, verb) scripts.
/// By default ADD appends an interface named after the plugin to prevResult, so chaining is visible.
/// </summary>
public sealed class RecordingExecutor : IPluginExecutor
{
    public List<RecordedCall> Calls { get; } = [];

    public HashSet<string> Missing { get; } = [];

    public Dictionary<(string Type, string Command), Func<RecordedCall, byte[]>> Scripts { get; } = [];

    public IEnumerable<string> Log => Calls.Select(c => c.ToString());

    public RecordingExecutor Fail(string type, string command, int code, string msg, string? details = null)
    {
        Scripts[(type, command)] = _ => throw new CniException(code, msg, details);
        return this;
    }

    public string FindInPath(string type, IReadOnlyList<string> paths)
    {
        try
        {
            return LibCni.Invoke.PluginLocator.FindInPath(type, paths, path => !Missing.Contains(Path.GetFileName(path)));
        }
        catch (LibCni.Invoke.PluginLookupException e)
        {
            throw new CniRuntimeException(e.Message, e);
        }
    }

    public Task<byte[]> ExecutePluginAsync(string pluginPath, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken)
    {
        var call = new RecordedCall(Path.GetFileName(pluginPath), environment, (JsonObject)JsonNode.Parse(stdin)!);
        Calls.Add(call);
        if (Scripts.TryGetValue((call.Type, call.Command), out var script))
        {
            return Task.FromResult(script(call));
        }

        return Task.FromResult(call.Command == "ADD" ? ChainedResult(call) : []);
    }

    public static byte[] ChainedResult(RecordedCall call)
    {
        var result = call.Stdin["prevResult"]?.DeepClone() as JsonObject ?? new JsonObject { ["interfaces"] = new JsonArray() };
        result["cniVersion"] = call.Stdin["cniVersion"]!.GetValue<string>();
        ((JsonArray)result["interfaces"]!).Add(new JsonObject { ["name"] = call.Type });
        return Encoding.UTF8.GetBytes(result.ToJsonString());
    }
}

/// <summary>The cache's file system in memory.</summary>
public sealed class InMemoryCacheFileSystem : ICacheFileSystem
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public byte[]? ReadFile(string path) => Files.TryGetValue(path, out var bytes) ? bytes : null;

    public void WriteFile(string path, byte[] contents) => Files[path] = contents;

    public void DeleteFile(string path) => Files.Remove(path);

    public IReadOnlyList<string> ListFileNames(string directory) =>
        Files.Keys.Where(k => Path.GetDirectoryName(k) == directory).Select(k => Path.GetFileName(k)).ToList();
}

public static class JsonAssert
{
    /// <summary>Semantic JSON equality (key order ignored), with both texts in the failure message.</summary>
    public static void Equal(string expected, string actual) =>
        Xunit.Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");
}
