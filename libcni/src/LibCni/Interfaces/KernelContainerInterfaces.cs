using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;
using AddressFamily = LibCni.Netlink.Route.AddressFamily;

namespace LibCni.Interfaces;

/// <summary>
/// <see cref="IContainerInterfaces"/> over rtnetlink. Host-side work uses a socket in the plugin's own netns;
/// container-side work a socket opened inside the container's netns, and sysctls there run on
/// NetNamespace's dedicated thread.
/// </summary>
public sealed class KernelContainerInterfaces : IContainerInterfaces
{
    // The calling thread's netns: the plugin's host netns, or a test's when run on NetNamespace's thread.
    private const string CurrentNetnsPath = "/proc/thread-self/ns/net";

    private readonly Lazy<RtnlClient> _host = new(NetNamespace.OpenRtnl);

    public RtnlClient Host => _host.Value;

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

    public LinkRef CreateChildLink(string netns, string ifName, ChildLinkRequest request)
    {
        using var container = NetNamespace.OpenRtnl(netns);
        using var containerNetns = NetNamespace.Open(netns);
        var kind = request.Kind.Name;
        var spec = new LinkSpec(LinkSetup.RandomVethName(), request.Kind)
        {
            ParentIndex = request.Parent?.Index ?? 0,
            Mtu = request.Mtu,
            Mac = request.Mac,
            NetnsFd = request.ParentInContainer ? null : (int)containerNetns.DangerousGetHandle(),
        };
        try
        {
            (request.ParentInContainer ? container : Host).CreateLink(spec);
        }
        catch (NetlinkException e)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to create {kind}: {e.Message}", request.Parent is { } p ? $"on \"{p.Name}\"" : null);
        }

        var made = container.GetLink(spec.Name) ?? throw new CniException(CniErrorCode.Internal, $"failed to create {kind}: {spec.Name} vanished in {netns}");
        try
        {
            container.Rename(made.Index, ifName);
        }
        catch (NetlinkException e)
        {
            container.DeleteLink(made.Index);
            throw new CniException(CniErrorCode.Internal, $"failed to rename {kind} to \"{ifName}\": {e.Message}", $"in {netns}");
        }

        return Ref(container.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"failed to refetch {kind} \"{ifName}\": link not found"));
    }

    public ParentLink? FindParent(string name, string? netns = null)
    {
        using var other = netns is null ? null : NetNamespace.OpenRtnl(netns);
        return (other ?? Host).GetLink(name) is { } link ? new ParentLink(link.Name, link.Index, link.Mtu) : null;
    }

    public string? DefaultRouteInterface(string? netns = null)
    {
        using var other = netns is null ? null : NetNamespace.OpenRtnl(netns);
        var rtnl = other ?? Host;
        var route = rtnl.ListRoutes(AddressFamily.Inet, Rta.TableMain).Concat(rtnl.ListRoutes(AddressFamily.Inet6, Rta.TableMain))
            .FirstOrDefault(r => r.Destination.PrefixLength == 0 && r.OutputIndex > 0);
        return route is null ? null : rtnl.GetLink(route.OutputIndex)?.Name;
    }

    public void DeleteHostLink(string name)
    {
        if (Host.GetLink(name) is { } link)
        {
            try
            {
                Host.DeleteLink(link.Index);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
            {
            }
        }
    }

    public void Configure(string netns, string ifName, InterfaceAddressing addressing)
    {
        var hasV6 = addressing.Ips.Any(ip => !ip.Address.IsV4);
        if (hasV6 || addressing.EnableDad is not null || addressing.Announce)
        {
            NetNamespace.Run(netns, () =>
            {
                if (addressing.EnableDad is { } dad)
                {
                    LinkSetup.ApplyDadSettings(ifName, dad);
                }

                if (addressing.Announce)
                {
                    // A gratuitous ARP and an unsolicited neighbour advertisement on link up.
                    LinkSetup.TrySysctl("1", Sysctl.Conf("ipv4", ifName, "arp_notify"));
                    LinkSetup.TrySysctl("1", Sysctl.Conf("ipv6", ifName, "ndisc_notify"));
                }

                if (hasV6)
                {
                    Sysctl.Ensure("0", Sysctl.Conf("ipv6", "lo", "disable_ipv6"));
                    Sysctl.Ensure("0", Sysctl.Conf("ipv6", ifName, "disable_ipv6"));
                    LinkSetup.TrySysctl("1", Sysctl.Conf("ipv6", ifName, "keep_addr_on_down"));
                }
            });
        }

        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"failed to lookup \"{ifName}\": link not found", $"in {netns}");
        foreach (var ip in addressing.Ips)
        {
            try
            {
                rtnl.AddAddress(link.Index, ip.Address, noDad: !ip.Address.IsV4 && addressing.EnableDad == false);
            }
            catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
            {
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add IP addr {ip.Address} to \"{ifName}\": {e.Message}");
            }
        }

        rtnl.SetLinkUp(link.Index, true);
        if (addressing.Ips.Any(ip => !ip.Address.IsV4 && ip.Gateway is not null))
        {
            LinkSetup.WaitForDad(rtnl, link.Index, ifName);
        }

        foreach (var route in ConfigurePlan.Routes(addressing, link.Index))
        {
            try
            {
                rtnl.AddRoute(route);
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add route '{route.Destination} via {route.Gateway?.ToString() ?? "<nil>"} dev {ifName}': {e.Message}");
            }
        }
    }

    public void SetLinkUp(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName) ?? throw new IOException($"failed to retrieve link \"{ifName}\" in {netns}");
        rtnl.SetLinkUp(link.Index, true);
    }

    public void DeleteLink(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        if (rtnl.GetLink(ifName) is not { } link)
        {
            return;
        }

        try
        {
            rtnl.DeleteLink(link.Index);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
        }
    }

    public ContainerLinkState? Inspect(string netns, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName);
        if (link is null)
        {
            return null;
        }

        var addresses = rtnl.ListAddresses(AddressFamily.Unspec, link.Index).Select(a => a.Address).ToList();
        // Every table but local: sbr and vrf move an interface's routes out of main.
        var routes = rtnl.ListRoutes(AddressFamily.Unspec).Where(r => r.Table != 255)
            .Select(r => new RouteView(r.Destination, r.Gateway, r.OutputIndex, r.Table))
            .ToList();
        return new ContainerLinkState(link.Name, link.Index, link.Mac, link.Kind ?? "", link.PeerIndex, addresses, routes)
        {
            IsUp = link.IsUp,
            Mtu = link.Mtu,
            Details = link.Details,
            Alias = link.Alias,
        };
    }

    public HostLinkState? InspectHostLink(string name) =>
        Host.GetLink(name) is { } link
            ? new HostLinkState(link.Name, link.Index, link.Mac, link.Kind, link.MasterIndex, link.PeerIndex, link.IsPromiscuous)
            : null;

    public LinkRef GetHostLink(string name) => Ref(Host.GetLink(name) ?? throw new IOException($"could not lookup \"{name}\": link not found"));

    public LinkRef WaitHostLinkUp(string name, string what) => Ref(LinkSetup.WaitOperationallyUp(Host, name, what));

    public void EnableForwarding(bool ipv4, bool ipv6)
    {
        try
        {
            if (ipv4)
            {
                Sysctl.Ensure("1", "net", "ipv4", "ip_forward");
            }

            if (ipv6)
            {
                Sysctl.Ensure("1", Sysctl.Conf("ipv6", "all", "forwarding"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.Internal, $"Could not enable IP forwarding: {e.Message}");
        }
    }

    public static LinkRef Ref(LinkInfo link) => new(link.Name, link.Index, link.Mac);
}
