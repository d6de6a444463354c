using System.Text.Json;

namespace LibCni.Runtime;

/// <summary>
/// What one invocation needs besides the network configuration (Go <c>RuntimeConf</c>): the container, its
/// netns and interface, CNI_ARGS pairs and capability arguments.
/// </summary>
public sealed record RuntimeConf
{
    /// <summary>CNI_CONTAINERID.</summary>
    public string ContainerId { get; init; } = "";

    /// <summary>CNI_NETNS: path of the container's network namespace.</summary>
    public string NetNs { get; init; } = "";

    /// <summary>CNI_IFNAME: the interface to create in the container.</summary>
    public string IfName { get; init; } = "";

    /// <summary>CNI_ARGS as ordered pairs; sent as <c>k=v;k=v</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Args { get; init; } = [];

    /// <summary>
    /// Capability arguments (e.g. <c>portMappings</c>): each reaches a plugin's <c>runtimeConfig</c> only
    /// when the plugin's <c>capabilities</c> enables it.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> CapabilityArgs { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>
    /// The cache root for this call when the runtime was created without one (Go's deprecated
    /// <c>RuntimeConf.CacheDir</c>); give the directory to the <see cref="CniRuntime"/> constructor instead.
    /// </summary>
    [Obsolete("Deprecated as in Go libcni: pass the cache directory to the CniRuntime constructor.")]
    public string CacheDir { get; init; } = "";

    /// <summary>The CNI_ARGS value: pairs joined as <c>k=v;k=v</c>.</summary>
    public string ArgsText => string.Join(";", Args.Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>A (container, interface) pair that GC must keep (Go <c>types.GCAttachment</c>).</summary>
/// <param name="ContainerId">The container ID.</param>
/// <param name="IfName">The interface name in that container.</param>
public sealed record GcAttachment(string ContainerId, string IfName);

/// <summary>
/// An attachment found in the result cache (Go <c>NetworkAttachment</c>): enough to DEL it later with the
/// arguments it was added with.
/// </summary>
public sealed record NetworkAttachment
{
    /// <summary>The container ID it was added for.</summary>
    public required string ContainerId { get; init; }

    /// <summary>The network name.</summary>
    public required string Network { get; init; }

    /// <summary>The interface name in the container.</summary>
    public required string IfName { get; init; }

    /// <summary>The configuration bytes the ADD used.</summary>
    public required byte[] Config { get; init; }

    /// <summary>The netns path the ADD used (may be empty).</summary>
    public string NetNs { get; init; } = "";

    /// <summary>The CNI_ARGS pairs the ADD used.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> CniArgs { get; init; } = [];

    /// <summary>The capability arguments the ADD used.</summary>
    public IReadOnlyDictionary<string, JsonElement> CapabilityArgs { get; init; } = new Dictionary<string, JsonElement>();
}
