using LibCni.Types;

namespace CniPlugins.Portmap;

/// <summary>Everything a backend needs to forward one container's ports.</summary>
public sealed record PortmapRequest(string NetworkName, string ContainerId, string IfName, PortmapConfig Config)
{
    public IReadOnlyList<PortMapping> MappingsFor(bool ipv4) => Config.Mappings.Where(m => m.AppliesTo(ipv4)).ToList();

    public CidrAddress? ContainerAddress(bool ipv4) => ipv4 ? Config.ContainerV4 : Config.ContainerV6;
}

/// <summary>A firewall backend for port forwarding: nftables (in-process netlink) or iptables.</summary>
public interface IPortForwarder
{
    /// <summary>Installs the DNAT (and SNAT) rules for both families the container has, as one transaction each.</summary>
    void Forward(PortmapRequest request);

    /// <summary>Throws when a rule ADD installed is missing.</summary>
    void Check(PortmapRequest request);

    /// <summary>Removes every rule tagged with the container, whatever the config says now. Idempotent.</summary>
    void Unforward(string networkName, string containerId);

    /// <summary>Removes the rules of every container of the network not in <paramref name="validContainerIds"/>.</summary>
    void Gc(string networkName, IReadOnlySet<string> validContainerIds);
}

/// <summary>Host-side effects around the rules: route_localnet for localhost access, stale UDP conntrack entries.</summary>
public interface IPortmapHost
{
    /// <summary>
    /// Sets route_localnet=1 on the host interface that routes to <paramref name="containerIp"/>; false when the
    /// host has no route to it (nothing to set, as the reference skips it).
    /// </summary>
    bool EnableRouteLocalnet(System.Net.IPAddress containerIp);

    /// <summary>Deletes UDP conntrack entries whose original destination port is one of <paramref name="ports"/>.</summary>
    void FlushUdpConntrack(bool ipv4, IReadOnlyList<int> ports);
}
