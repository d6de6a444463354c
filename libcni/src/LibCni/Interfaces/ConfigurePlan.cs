using LibCni.Netlink.Route;

namespace LibCni.Interfaces;

/// <summary>The pure decisions of <see cref="IContainerInterfaces.Configure"/>.</summary>
public static class ConfigurePlan
{
    /// <summary>
    /// The IPAM routes as the kernel gets them: a route without <c>gw</c> takes the first gateway of its family
    /// among the addresses (the reference's ConfigureIface), else it is on-link; every 1.1 attribute is kept.
    /// </summary>
    public static IEnumerable<RouteSpec> Routes(InterfaceAddressing addressing, int linkIndex)
    {
        var v4Gateway = addressing.Ips.FirstOrDefault(ip => ip.Gateway is not null && ip.Gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)?.Gateway;
        var v6Gateway = addressing.Ips.FirstOrDefault(ip => ip.Gateway is not null && ip.Gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)?.Gateway;
        foreach (var route in addressing.Routes)
        {
            yield return new RouteSpec
            {
                Destination = route.Dst.Masked,
                Gateway = route.Gw ?? (route.Dst.IsV4 ? v4Gateway : v6Gateway),
                OutputIndex = linkIndex,
                Priority = route.Priority,
                Table = route.Table,
                Scope = route.Scope is { } scope ? (byte)scope : null,
                Mtu = route.Mtu,
                AdvMss = route.AdvMss,
            };
        }
    }
}
