using LibCni.Kernel;

namespace CniPlugins.Firewall;

/// <summary>What the host says about a bridge: whether it exists and which links are its ports.</summary>
public interface IBridgeLinks
{
    /// <summary>The names of the bridge's ports, or null when no link of that name exists.</summary>
    IReadOnlyList<string>? Ports(string bridge);
}

/// <summary>The bridge's ports read over rtnetlink in the plugin's (host) namespace, or in the one at <paramref name="netnsPath"/>.</summary>
public sealed class KernelBridgeLinks(string? netnsPath = null) : IBridgeLinks
{
    public IReadOnlyList<string>? Ports(string bridge)
    {
        using var rtnl = netnsPath is null ? NetNamespace.OpenRtnl() : NetNamespace.OpenRtnl(netnsPath);
        var link = rtnl.GetLink(bridge);
        return link is null ? null : rtnl.ListLinks().Where(l => l.MasterIndex == link.Index).Select(l => l.Name).ToList();
    }
}

/// <summary>
/// When a bridge's isolation rules (ingressPolicy) may go. The reference keeps them forever; we remove
/// them once nothing else can use them, so a removed network leaves no rules behind.
/// </summary>
public static class IsolationCleanup
{
    /// <summary>
    /// At DEL: when the bridge is gone (<paramref name="ports"/> null), or every port left on it is one
    /// of this attachment's own host-side veths (DEL runs in reverse, so bridge has not removed them yet).
    /// Without prevResult (<paramref name="ownPorts"/> null) the ports are unknown: only a gone bridge counts.
    /// </summary>
    public static bool ShouldRemove(IReadOnlyList<string>? ports, IReadOnlyCollection<string>? ownPorts) =>
        ports is null || (ownPorts is not null && ports.All(ownPorts.Contains));
}
