using System.Globalization;
using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;
using AddressFamily = LibCni.Netlink.Route.AddressFamily;

namespace CniPlugins.Bridge;

/// <summary>
/// <see cref="IBridgeKernel"/> over rtnetlink, in the plugin's own netns, on the socket of the shared
/// <see cref="KernelContainerInterfaces"/>.
/// </summary>
public sealed class KernelBridge : IBridgeKernel
{
    // The calling thread's netns: the plugin's host netns, or a test's when run on NetNamespace's thread.
    private const string CurrentNetnsPath = "/proc/thread-self/ns/net";

    private readonly KernelContainerInterfaces _links;

    public KernelBridge(KernelContainerInterfaces links) => _links = links;

    // One host socket for the bridge's work and the shared interface work.
    private RtnlClient Host => _links.Host;

    public LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous, bool pinMac)
    {
        LinkInfo bridge;
        try
        {
            bridge = Host.EnsureBridge(name, mtu, vlanFiltering);
        }
        catch (NetlinkException e) when (e.Errno == Errno.EOPNOTSUPP && vlanFiltering)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to create bridge \"{name}\" with VLAN filtering: {e.Message}",
                "this kernel lacks CONFIG_BRIDGE_VLAN_FILTERING; vlan and vlanTrunk need it");
        }
        catch (InvalidOperationException e)
        {
            throw new CniException(CniErrorCode.Internal, e.Message, $"bridge={name}");
        }

        if (pinMac)
        {
            // Setting the MAC it has marks it user-set (NET_ADDR_SET): from then on ports joining or leaving leave it alone.
            Host.SetHardwareAddress(bridge.Index, bridge.HardwareAddress);
        }

        if (promiscuous && !bridge.IsPromiscuous)
        {
            Host.SetPromiscuous(bridge.Index, true);
        }

        // The plugin owns the bridge's routes: no router advertisements.
        LinkSetup.TrySysctl("0", Sysctl.Conf("ipv6", name, "accept_ra"));
        if (!bridge.IsUp)
        {
            Host.SetLinkUp(bridge.Index, true);
        }

        return Ref(Host.GetLink(bridge.Index) ?? bridge);
    }

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings)
    {
        Host.SetMaster(hostVeth.Index, bridge.Index);
        Host.SetBridgePort(hostVeth.Index, settings.Hairpin, settings.Isolated ? true : null);
        foreach (var (op, request) in VlanRequests(hostVeth.Index, settings))
        {
            try
            {
                Host.Netlink.Execute(request, $"{(op.Add ? "RTM_SETLINK" : "RTM_DELLINK")} index {hostVeth.Index} vlan {op.MinVid}-{op.MaxVid}");
            }
            catch (NetlinkException e) when (!op.Add && e.Errno is Errno.ENOENT or Errno.EINVAL)
            {
                // The default VLAN was not there to remove.
            }
        }
    }

    /// <summary>The requests <see cref="AttachPort"/> sends for the port's VLANs, in order.</summary>
    public static IEnumerable<(BridgeVlanOp Op, NetlinkMessageWriter Request)> VlanRequests(int index, PortSettings settings) =>
        VlanPlan(settings).Select(op => (op, RtnlRequests.BridgeVlan(index, op.Add, op.MinVid, op.MaxVid, op.Pvid, op.Untagged)));

    /// <summary>
    /// The port's VLAN changes in the reference's (v1.8+) order: without preserveDefaultVlan the default
    /// PVID (1, all a new port holds) goes; <c>vlan</c> is the native VLAN (PVID, untagged); trunk VLANs are
    /// tagged; a trunk without <c>vlan</c> gets VLAN 1 as its native VLAN.
    /// </summary>
    public static IReadOnlyList<BridgeVlanOp> VlanPlan(PortSettings settings)
    {
        var ops = new List<BridgeVlanOp>();
        var trunk = settings.TrunkVlans.Count > 0;
        if ((settings.Vlan != 0 || trunk) && !settings.PreserveDefaultVlan)
        {
            ops.Add(new BridgeVlanOp(false, 1, 1, false, false));
        }

        if (settings.Vlan != 0)
        {
            ops.Add(new BridgeVlanOp(true, settings.Vlan, settings.Vlan, true, true));
        }

        foreach (var (min, max) in VlanRanges(settings.TrunkVlans))
        {
            ops.Add(new BridgeVlanOp(true, min, max, false, false));
        }

        if (settings.Vlan == 0 && trunk)
        {
            ops.Add(new BridgeVlanOp(true, 1, 1, true, true));
        }

        return ops;
    }

    /// <summary>Folds sorted VLAN ids into consecutive ranges, one netlink request each.</summary>
    public static IEnumerable<(int Min, int Max)> VlanRanges(IReadOnlyList<int> sortedVlans)
    {
        for (var i = 0; i < sortedVlans.Count;)
        {
            var start = sortedVlans[i];
            var end = start;
            while (i + 1 < sortedVlans.Count && sortedVlans[i + 1] == end + 1)
            {
                end = sortedVlans[++i];
            }

            i++;
            yield return (start, end);
        }
    }

    public void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress)
    {
        var family = gateway.IsV4 ? AddressFamily.Inet : AddressFamily.Inet6;
        foreach (var existing in Host.ListAddresses(family, link.Index))
        {
            if (existing.Address == gateway)
            {
                return;
            }

            if (GatewayPlanner.Conflicts(existing.Address, gateway))
            {
                if (!forceAddress)
                {
                    throw new CniException(CniErrorCode.Internal, $"\"{link.Name}\" already has an IP address different from {gateway}",
                        $"{link.Name} has {existing.Address}; set forceAddress to replace it");
                }

                Host.DeleteAddress(link.Index, existing.Address);
            }
        }

        try
        {
            Host.AddAddress(link.Index, gateway, noDad: !gateway.IsV4);
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
        {
        }

        // Pin the link's MAC to the one the caller read before any port joined (as the reference does), not to what
        // it is now: an unpinned bridge has taken its lowest port's MAC by this point.
        var mac = MacAddress.TryParse(link.Mac, out var parsed) ? parsed : throw new IOException($"{link.Name} has no MAC address to pin (\"{link.Mac}\")");
        Host.SetHardwareAddress(link.Index, mac);
    }

    public LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan)
    {
        var name = $"{bridge.Name}.{vlan.ToString(CultureInfo.InvariantCulture)}";
        if (Host.GetLink(name) is { } existing)
        {
            return Ref(existing);
        }

        using var hostNetns = NetNamespace.Open(CurrentNetnsPath);
        var peerName = LinkSetup.RandomVethName();
        Host.CreateVethPair(name, peerName, mtu > 0 ? mtu : 0, null, (int)hostNetns.DangerousGetHandle());
        var peer = Host.GetLink(peerName) ?? throw new IOException($"{peerName} vanished");
        Host.SetLinkUp(peer.Index, true);
        AttachPort(Ref(peer), bridge, new PortSettings(false, false, vlan, [], preserveDefaultVlan));
        var gatewayLink = Host.GetLink(name) ?? throw new IOException($"{name} vanished");
        Host.SetLinkUp(gatewayLink.Index, true);
        return Ref(Host.GetLink(name)!);
    }

    private static LinkRef Ref(LinkInfo link) => KernelContainerInterfaces.Ref(link);
}
