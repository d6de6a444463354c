namespace LibCni.Runtime;

/// <summary>
/// The six CNI_* variables of one plugin call, plus the W3C trace context of the caller's current
/// <see cref="System.Diagnostics.Activity"/>. All six CNI_* are always set, empty when a verb has no value for
/// one (GC and STATUS have no container); a null trace variable is not set, so the inherited value passes.
/// </summary>
public sealed record PluginEnvironment
{
    /// <summary>CNI_COMMAND: ADD, DEL, CHECK, GC, STATUS or VERSION.</summary>
    public required string Command { get; init; }

    /// <summary>CNI_CONTAINERID.</summary>
    public string ContainerId { get; init; } = "";

    /// <summary>CNI_NETNS.</summary>
    public string NetNs { get; init; } = "";

    /// <summary>CNI_IFNAME.</summary>
    public string IfName { get; init; } = "";

    /// <summary>CNI_ARGS, already joined as <c>k=v;k=v</c>.</summary>
    public string Args { get; init; } = "";

    /// <summary>CNI_PATH, the plugin directories joined with <c>:</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>TRACEPARENT: <c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>, or null to leave the inherited value.</summary>
    public string? TraceParent { get; init; }

    /// <summary>TRACESTATE, or null to leave the inherited value.</summary>
    public string? TraceState { get; init; }

    /// <summary>BAGGAGE (W3C baggage: <c>k=v,k2=v2</c>), or null to leave the inherited value.</summary>
    public string? Baggage { get; init; }

    /// <summary>The variables in the order Go libcni appends them, then the trace context ones that are set.</summary>
    public IEnumerable<KeyValuePair<string, string>> Variables
    {
        get
        {
            yield return new("CNI_COMMAND", Command);
            yield return new("CNI_CONTAINERID", ContainerId);
            yield return new("CNI_NETNS", NetNs);
            yield return new("CNI_ARGS", Args);
            yield return new("CNI_IFNAME", IfName);
            yield return new("CNI_PATH", Path);
            foreach (var (name, value) in new[] { ("TRACEPARENT", TraceParent), ("TRACESTATE", TraceState), ("BAGGAGE", Baggage) })
            {
                if (value is not null)
                {
                    yield return new(name, value);
                }
            }
        }
    }
}

/// <summary>
/// Finds and runs plugin binaries. <see cref="ProcessPluginExecutor"/> is the only implementation that
/// starts processes; orchestration tests use a recording fake.
/// </summary>
public interface IPluginExecutor
{
    /// <summary>The full path of plugin <paramref name="type"/> in the first directory of <paramref name="paths"/> that has it.</summary>
    /// <exception cref="CniRuntimeException">Bad name, no paths, or not found (Go FindInPath texts).</exception>
    string FindInPath(string type, IReadOnlyList<string> paths);

    /// <summary>
    /// Runs the plugin with <paramref name="stdin"/> and the runtime's environment plus
    /// <paramref name="environment"/>, and returns its stdout.
    /// </summary>
    /// <exception cref="Types.CniException">The plugin failed; code/msg/details are the plugin's when it printed an error object.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the plugin was killed.</exception>
    /// <exception cref="TimeoutException">The executor's timeout passed; the plugin was killed.</exception>
    Task<byte[]> ExecutePluginAsync(string pluginPath, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken);
}
