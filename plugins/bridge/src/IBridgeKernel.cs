using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>A link as the plugin tracks it: name, index in its netns, MAC.</summary>
public sealed record LinkRef(string Name, int Index, string Mac);

/// <summary>How the host end of the veth joins the bridge.</summary>
public sealed record PortSettings(bool Hairpin, bool Isolated, int Vlan, IReadOnlyList<int> TrunkVlans, bool PreserveDefaultVlan);

/// <summary>One bridge VLAN change on a port (RTM_SETLINK to add, RTM_DELLINK to remove), as <c>bridge vlan add|del</c>.</summary>
public sealed record BridgeVlanOp(bool Add, int MinVid, int MaxVid, bool Pvid, bool Untagged)
{
    public LibCni.Netlink.NetlinkMessageWriter Request(int index) => LibCni.Netlink.Route.RtnlRequests.BridgeVlan(index, Add, MinVid, MaxVid, Pvid, Untagged);
}

/// <summary>What to configure inside the container for its interface.</summary>
public sealed record ContainerAddressing(IReadOnlyList<IpConfig100> Ips, IReadOnlyList<Route> Routes, bool EnableDad);

/// <summary>The container side as CHECK finds it.</summary>
public sealed record ContainerLinkState(string Name, int Index, string Mac, string Kind, int PeerIndex, IReadOnlyList<CidrAddress> Addresses, IReadOnlyList<RouteView> Routes);

/// <summary>A host-side link as CHECK finds it.</summary>
public sealed record HostLinkState(string Name, int Index, string Mac, string? Kind, int MasterIndex, int PeerIndex, bool Promiscuous);

public sealed record RouteView(CidrAddress Destination, System.Net.IPAddress? Gateway);

/// <summary>
/// Everything the bridge plugin does to the kernel, so the plugin's decisions and rollback are testable
/// with a fake, and the same scenarios run against the real kernel in the privileged tier.
/// </summary>
public interface IBridgeKernel
{
    /// <summary>
    /// Creates or reuses the bridge (tolerating a concurrent create), sets accept_ra=0, promisc, up. With
    /// <paramref name="pinMac"/> the bridge's MAC is pinned to the one it has now, before any port of ours joins.
    /// </summary>
    LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous, bool pinMac);

    /// <summary>Creates the veth: <paramref name="ifName"/> in the container, a random vethXXXXXXXX peer on the host.</summary>
    (LinkRef Host, LinkRef Container) CreateVeth(string netns, string ifName, int mtu, byte[]? mac);

    /// <summary>Removes a host link (rollback). Missing is fine.</summary>
    void DeleteHostLink(string name);

    void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings);

    /// <summary>Sysctls, addresses, link up, DAD wait and routes for the container interface.</summary>
    void ConfigureContainer(string netns, string ifName, ContainerAddressing addressing);

    void SetContainerLinkUp(string netns, string ifName);

    /// <summary>
    /// Puts a gateway address on a host link, replacing a conflicting one only when forced; a newly added address
    /// pins the link's MAC to <c>link.Mac</c>, as read before its ports joined.
    /// </summary>
    void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress);

    /// <summary>The <c>bridge.vlan</c> veth that carries the gateway on a VLAN, created on first use.</summary>
    LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan);

    void EnableForwarding(bool ipv4);

    /// <summary>Waits for the host veth to be operationally up and returns it refreshed.</summary>
    LinkRef WaitPortUp(string name);

    LinkRef GetHostLink(string name);

    /// <summary>Deletes the container interface and returns its global addresses; throws NetnsNotFoundException.</summary>
    IReadOnlyList<CidrAddress> DeleteContainerLink(string netns, string ifName);

    HostLinkState? InspectHostLink(string name);

    /// <summary>The container interface, or null when it is missing; throws NetnsNotFoundException.</summary>
    ContainerLinkState? InspectContainerLink(string netns, string ifName);
}

/// <summary>Masquerade for container addresses (the ipMasq option), one backend each.</summary>
public interface IMasquerade
{
    void Setup(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses);

    void Teardown(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses);

    /// <summary>Removes the rules of every attachment of <paramref name="network"/> not in <paramref name="valid"/>.</summary>
    void Gc(string network, IReadOnlyCollection<(string ContainerId, string IfName)> valid);
}

/// <summary>MAC anti-spoofing on the host veth (the macspoofchk option).</summary>
public interface ISpoofCheck
{
    void Setup(string hostVeth, string containerMac, string attachmentId);

    void Teardown(string attachmentId);
}
