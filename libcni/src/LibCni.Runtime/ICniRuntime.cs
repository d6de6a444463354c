using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// What a container runtime asks of CNI (Go libcni's <c>CNI</c> interface): <see cref="CniRuntime"/> implements
/// it; embedders mock it in their own tests.
/// </summary>
public interface ICniRuntime
{
    /// <summary>ADD of a configuration list; see <see cref="CniRuntime.AddNetworkListAsync"/>.</summary>
    Task<ICniResult> AddNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>CHECK of a configuration list; see <see cref="CniRuntime.CheckNetworkListAsync"/>.</summary>
    Task CheckNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>DEL of a configuration list; see <see cref="CniRuntime.DelNetworkListAsync"/>.</summary>
    Task DelNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>The cached result of a list; see <see cref="CniRuntime.GetNetworkListCachedResult"/>.</summary>
    ICniResult? GetNetworkListCachedResult(NetworkConfigList list, RuntimeConf rt);

    /// <summary>The cached configuration of a list; see <see cref="CniRuntime.GetNetworkListCachedConfig"/>.</summary>
    CachedConfig? GetNetworkListCachedConfig(NetworkConfigList list, RuntimeConf rt);

    /// <summary>ADD of a single configuration; see <see cref="CniRuntime.AddNetworkAsync"/>.</summary>
    Task<ICniResult> AddNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>CHECK of a single configuration; see <see cref="CniRuntime.CheckNetworkAsync"/>.</summary>
    Task CheckNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>DEL of a single configuration; see <see cref="CniRuntime.DelNetworkAsync"/>.</summary>
    Task DelNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default);

    /// <summary>The cached result of a single configuration; see <see cref="CniRuntime.GetNetworkCachedResult"/>.</summary>
    ICniResult? GetNetworkCachedResult(PluginConfig net, RuntimeConf rt);

    /// <summary>The cached configuration of a single configuration; see <see cref="CniRuntime.GetNetworkCachedConfig"/>.</summary>
    CachedConfig? GetNetworkCachedConfig(PluginConfig net, RuntimeConf rt);

    /// <summary>Validation of a list; see <see cref="CniRuntime.ValidateNetworkListAsync"/>.</summary>
    Task<IReadOnlyList<string>> ValidateNetworkListAsync(NetworkConfigList list, CancellationToken cancellationToken = default);

    /// <summary>Validation of a single configuration; see <see cref="CniRuntime.ValidateNetworkAsync"/>.</summary>
    Task<IReadOnlyList<string>> ValidateNetworkAsync(PluginConfig net, CancellationToken cancellationToken = default);

    /// <summary>GC of a list; see <see cref="CniRuntime.GcNetworkListAsync"/>.</summary>
    Task GcNetworkListAsync(NetworkConfigList list, IReadOnlyCollection<GcAttachment>? validAttachments, CancellationToken cancellationToken = default);

    /// <summary>GC of a single configuration; see <see cref="CniRuntime.GcNetworkAsync"/>.</summary>
    Task GcNetworkAsync(PluginConfig net, IReadOnlyCollection<GcAttachment>? validAttachments, CancellationToken cancellationToken = default);

    /// <summary>STATUS of a list; see <see cref="CniRuntime.GetStatusNetworkListAsync"/>.</summary>
    Task GetStatusNetworkListAsync(NetworkConfigList list, CancellationToken cancellationToken = default);

    /// <summary>STATUS of a single configuration; see <see cref="CniRuntime.GetStatusNetworkAsync"/>.</summary>
    Task GetStatusNetworkAsync(PluginConfig net, CancellationToken cancellationToken = default);

    /// <summary>The attachments in the cache; see <see cref="CniRuntime.GetCachedAttachments"/>.</summary>
    IReadOnlyList<NetworkAttachment> GetCachedAttachments(string? containerId = null);

    /// <summary>A plugin's supported versions; see <see cref="CniRuntime.GetVersionInfoAsync"/>.</summary>
    Task<VersionInfo> GetVersionInfoAsync(string pluginType, CancellationToken cancellationToken = default);
}
