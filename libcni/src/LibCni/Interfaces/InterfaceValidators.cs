using LibCni.Types;

namespace LibCni.Interfaces;

/// <summary>
/// CHECK's reading of a container interface against prevResult, shared by the main plugins: the reference's
/// <c>ValidateExpectedInterfaceIPs</c> and <c>ValidateExpectedRoute</c>, over the state read back from the kernel.
/// Both look in the main table, and (beyond the reference, whose CHECKs fail once sbr or vrf moved the routes) in any
/// other table but local for routes through this interface.
/// </summary>
public static class InterfaceValidators
{
    /// <summary>
    /// Each address (IP and prefix) is on the link, and the main table has a route to its network (the
    /// kernel's connected route, or a plugin's replacement such as ptp's route via the gateway).
    /// </summary>
    public static void ExpectAddresses(string ifName, IEnumerable<IpConfig100> ips, ContainerLinkState link)
    {
        foreach (var ip in ips)
        {
            if (!link.Addresses.Contains(ip.Address))
            {
                throw Fail($"Failed to match addr {ip.Address} on interface {ifName}");
            }

            var network = ip.Address.Masked;
            if (!link.Routes.Any(r => Visible(r, link) && r.Destination.Masked == network))
            {
                throw Fail($"Failed to find Gateway {ip.Gateway?.ToString() ?? "<nil>"} for interface {ifName}");
            }
        }
    }

    /// <summary>
    /// Each route is in the main table: same destination, and the same gateway when one is given, except for a
    /// default route, which the reference matches by destination alone.
    /// </summary>
    public static void ExpectRoutes(IEnumerable<Route> routes, ContainerLinkState link)
    {
        foreach (var route in routes)
        {
            var dst = route.Dst.Masked;
            var found = link.Routes.Any(r => Visible(r, link) && r.Destination.Masked == dst &&
                (route.Gw is null || dst.PrefixLength == 0 || Equals(r.Gateway, route.Gw)));
            if (!found)
            {
                throw Fail($"Expected Route {dst}{(route.Gw is null ? "" : $" via {route.Gw}")} not found in routing table");
            }
        }
    }

    /// <summary>A main-table route, or one through this interface in a table sbr or vrf moved it to.</summary>
    private static bool Visible(RouteView route, ContainerLinkState link) =>
        route.Table == Netlink.Route.Rta.TableMain || (route.Table != TableLocal && route.OutputIndex == link.Index);

    private const int TableLocal = 255;

    private static CniException Fail(string message) => new(CniErrorCode.Internal, message);
}
