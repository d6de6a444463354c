using System.Globalization;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;
using AddressFamily = LibCni.Netlink.Route.AddressFamily;

namespace CniPlugins.Bridge;

/// <summary>
/// <see cref="IBridgeKernel"/> over rtnetlink. Host-side work uses a socket in the plugin's own netns;
/// container-side work uses a socket opened inside the container's netns, and sysctls there run on
/// NetNamespace's dedicated thread.
/// </summary>
public sealed class KernelBridge : IBridgeKernel
{
    // The calling thread's netns: the plugin's host netns, or a test's when run on NetNamespace's thread.
    private const string CurrentNetnsPath = "/proc/thread-self/ns/net";

    private readonly Lazy<RtnlClient> _host = new(NetNamespace.OpenRtnl);

    private RtnlClient Host => _host.Value;

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

    public (LinkRef Host, LinkRef Container) CreateVeth(string netns, string ifName, int mtu, byte[]? mac)
    {
        using var container = NetNamespace.OpenRtnl(netns);
        using var hostNetns = NetNamespace.Open(CurrentNetnsPath);
        var peerName = LinkSetup.CreateVethWithRandomPeer(container, netns, ifName, mtu, mac, (int)hostNetns.DangerousGetHandle());
        var containerLink = container.GetLink(ifName) ?? throw new IOException($"veth {ifName} vanished in {netns}");
        var hostLink = Host.GetLink(peerName) ?? throw new IOException($"host veth {peerName} vanished");
        Host.SetLinkUp(hostLink.Index, true);
        LinkSetup.TrySysctl("0", Sysctl.Conf("ipv6", peerName, "accept_ra"));
        return (Ref(hostLink), Ref(containerLink));
    }

    public void DeleteHostLink(string name)
    {
        if (Host.GetLink(name) is { } link)
        {
            Host.DeleteLink(link.Index);
        }
    }

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings)
    {
        Host.SetMaster(hostVeth.Index, bridge.Index);
        Host.SetBridgePort(hostVeth.Index, settings.Hairpin, settings.Isolated ? true : null);
        foreach (var op in VlanPlan(settings))
        {
            try
            {
                if (op.Add)
                {
                    Host.AddBridgeVlan(hostVeth.Index, op.MinVid, op.MaxVid, op.Pvid, op.Untagged);
                }
                else
                {
                    Host.DeleteBridgeVlan(hostVeth.Index, op.MinVid, op.MaxVid);
                }
            }
            catch (NetlinkException e) when (!op.Add && e.Errno is Errno.ENOENT or Errno.EINVAL)
            {
                // The default VLAN was not there to remove.
            }
        }
    }

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

    public void ConfigureContainer(string netns, string ifName, ContainerAddressing addressing)
    {
        var hasV6 = addressing.Ips.Any(ip => !ip.Address.IsV4);
        NetNamespace.Run(netns, () =>
        {
            LinkSetup.ApplyDadSettings(ifName, addressing.EnableDad);

            // Announce the new addresses: a gratuitous ARP and an unsolicited neighbour advertisement on link up.
            LinkSetup.TrySysctl("1", Sysctl.Conf("ipv4", ifName, "arp_notify"));
            LinkSetup.TrySysctl("1", Sysctl.Conf("ipv6", ifName, "ndisc_notify"));
            if (hasV6)
            {
                Sysctl.Ensure("0", Sysctl.Conf("ipv6", "lo", "disable_ipv6"));
                Sysctl.Ensure("0", Sysctl.Conf("ipv6", ifName, "disable_ipv6"));
                LinkSetup.TrySysctl("1", Sysctl.Conf("ipv6", ifName, "keep_addr_on_down"));
            }
        });

        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName) ?? throw new IOException($"failed to lookup \"{ifName}\" in {netns}");
        foreach (var ip in addressing.Ips)
        {
            try
            {
                rtnl.AddAddress(link.Index, ip.Address, noDad: !ip.Address.IsV4 && !addressing.EnableDad);
            }
            catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
            {
            }
        }

        rtnl.SetLinkUp(link.Index, true);
        if (addressing.Ips.Any(ip => !ip.Address.IsV4 && ip.Gateway is not null))
        {
            LinkSetup.WaitForDad(rtnl, link.Index, ifName);
        }

        var v4Gateway = addressing.Ips.LastOrDefault(ip => ip.Address.IsV4 && ip.Gateway is not null)?.Gateway;
        var v6Gateway = addressing.Ips.LastOrDefault(ip => !ip.Address.IsV4 && ip.Gateway is not null)?.Gateway;
        foreach (var route in addressing.Routes)
        {
            var gateway = route.Gw ?? (route.Dst.IsV4 ? v4Gateway : v6Gateway);
            try
            {
                rtnl.AddRoute(new RouteSpec
                {
                    Destination = route.Dst.Masked,
                    Gateway = gateway,
                    OutputIndex = link.Index,
                    Priority = route.Priority,
                    Table = route.Table,
                    Scope = route.Scope is { } scope ? (byte)scope : null,
                    Mtu = route.Mtu,
                    AdvMss = route.AdvMss,
                });
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add route '{route.Dst.Masked} via {gateway?.ToString() ?? "<nil>"} dev {ifName}': {e.Message}");
            }
        }
    }

    public void SetContainerLinkUp(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName) ?? throw new IOException($"failed to retrieve link \"{ifName}\" in {netns}");
        rtnl.SetLinkUp(link.Index, true);
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
        var mac = BridgeConfig.ParseHardwareAddress(link.Mac) ?? throw new IOException($"{link.Name} has no MAC address to pin (\"{link.Mac}\")");
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

    public void EnableForwarding(bool ipv4) =>
        Sysctl.Ensure("1", ipv4 ? ["net", "ipv4", "ip_forward"] : Sysctl.Conf("ipv6", "all", "forwarding"));

    public LinkRef WaitPortUp(string name) => Ref(LinkSetup.WaitOperationallyUp(Host, name, "bridge port"));

    public LinkRef GetHostLink(string name) => Ref(Host.GetLink(name) ?? throw new IOException($"could not lookup \"{name}\": link not found"));

    public IReadOnlyList<CidrAddress> DeleteContainerLink(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName);
        if (link is null)
        {
            return [];
        }

        var addresses = rtnl.ListAddresses(AddressFamily.Unspec, link.Index)
            .Where(a => a.Scope == Rta.ScopeUniverse)
            .Select(a => a.Address)
            .ToList();
        try
        {
            rtnl.DeleteLink(link.Index);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
        }

        return addresses;
    }

    public HostLinkState? InspectHostLink(string name) =>
        Host.GetLink(name) is { } link
            ? new HostLinkState(link.Name, link.Index, link.Mac, link.Kind, link.MasterIndex, link.PeerIndex, link.IsPromiscuous)
            : null;

    public ContainerLinkState? InspectContainerLink(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName);
        if (link is null)
        {
            return null;
        }

        var addresses = rtnl.ListAddresses(AddressFamily.Unspec, link.Index).Select(a => a.Address).ToList();
        var routes = rtnl.ListRoutes(AddressFamily.Inet).Concat(rtnl.ListRoutes(AddressFamily.Inet6))
            .Where(r => r.OutputIndex == link.Index)
            .Select(r => new RouteView(r.Destination, r.Gateway))
            .ToList();
        return new ContainerLinkState(link.Name, link.Index, link.Mac, link.Kind ?? "", link.PeerIndex, addresses, routes);
    }

    private static LinkRef Ref(LinkInfo link) => new(link.Name, link.Index, link.Mac);
}
