using LibCni.Netlink.Route;
using LibCni.Types;

namespace CniPlugins.Ptp;

/// <summary>
/// ptp's own kernel work beyond the shared container-interface layer: the point-to-point routes in the container
/// and the gateway addresses and host routes on the host veth.
/// </summary>
public interface IPtpKernel
{
    /// <summary>In the container: the connected routes replaced by routes through the gateway (<see cref="PtpRoutes.Container"/>).</summary>
    void RouteThroughGateway(string netns, string ifName, IReadOnlyList<IpConfig100> ips);

    /// <summary>On the host: each gateway /32 (/128) on the host veth and a host route to each container address.</summary>
    void SetupHostVeth(string hostVeth, IReadOnlyList<IpConfig100> ips);
}

/// <summary>
/// The routes of a ptp attachment, as the reference makes them: all of the container's traffic, its own subnet
/// included, goes to the gateway, whose /32 (/128) is the only on-link destination; the host reaches the container
/// address over the host veth.
/// </summary>
public static class PtpRoutes
{
    /// <summary>The kernel's connected route to delete, then the two routes to add, for one container address.</summary>
    public static (RouteSpec Connected, RouteSpec ToGateway, RouteSpec ToSubnet) Container(IpConfig100 ip, int linkIndex)
    {
        var gateway = ip.Gateway!;
        var hostBits = ip.Address.IsV4 ? 32 : 128;
        return (
            new RouteSpec { Destination = ip.Address.Masked, OutputIndex = linkIndex },
            new RouteSpec { Destination = new CidrAddress(gateway, hostBits), OutputIndex = linkIndex, Scope = Rta.ScopeLink, Source = ip.Address.Address },
            new RouteSpec { Destination = ip.Address.Masked, Gateway = gateway, OutputIndex = linkIndex, Source = ip.Address.Address });
    }

    /// <summary>The gateway address for the host veth and the host route to the container address.</summary>
    public static (CidrAddress GatewayAddress, RouteSpec ToContainer) Host(IpConfig100 ip, int hostVethIndex)
    {
        var hostBits = ip.Address.IsV4 ? 32 : 128;
        return (new CidrAddress(ip.Gateway!, hostBits),
            new RouteSpec { Destination = new CidrAddress(ip.Address.Address, hostBits), OutputIndex = hostVethIndex, Scope = Rta.ScopeHost });
    }
}
