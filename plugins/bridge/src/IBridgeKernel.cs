using LibCni.Interfaces;
using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>How the host end of the veth joins the bridge.</summary>
public sealed record PortSettings(bool Hairpin, bool Isolated, int Vlan, IReadOnlyList<int> TrunkVlans, bool PreserveDefaultVlan);

/// <summary>One bridge VLAN change on a port (RTM_SETLINK to add, RTM_DELLINK to remove), as <c>bridge vlan add|del</c>.</summary>
public sealed record BridgeVlanOp(bool Add, int MinVid, int MaxVid, bool Pvid, bool Untagged);

/// <summary>
/// What the bridge plugin does to the kernel beyond the shared container-interface work, so the plugin's decisions and rollback are testable
/// with a fake, and the same scenarios run against the real kernel in the privileged tier.
/// </summary>
public interface IBridgeKernel
{
    /// <summary>
    /// Creates or reuses the bridge (tolerating a concurrent create), sets accept_ra=0, promisc, up. With
    /// <paramref name="pinMac"/> the bridge's MAC is pinned to the one it has now, before any port of ours joins.
    /// </summary>
    LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous, bool pinMac);

    void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings);

    /// <summary>
    /// Puts a gateway address on a host link, replacing a conflicting one only when forced; a newly added address
    /// pins the link's MAC to <c>link.Mac</c>, as read before its ports joined.
    /// </summary>
    void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress);

    /// <summary>The <c>bridge.vlan</c> veth that carries the gateway on a VLAN, created on first use.</summary>
    LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan);
}
