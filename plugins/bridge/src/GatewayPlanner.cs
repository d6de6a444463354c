using System.Net;
using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>The gateway addresses to put on the bridge for one family, and whether a default route exists.</summary>
public sealed record FamilyGateways(bool IsV4, IReadOnlyList<CidrAddress> Gateways);

/// <summary>
/// The pure part of ADD: from the IPAM result and the config, decide each address's gateway, the
/// default routes to add and the gateway addresses the bridge carries (the reference's calcGateways).
/// </summary>
public static class GatewayPlanner
{
    /// <summary>Index of the container interface in the result: bridge, host veth, container.</summary>
    public const int ContainerInterfaceIndex = 2;

    /// <summary>Rewrites <paramref name="result"/> in place and returns the gateways per family (v4, v6).</summary>
    public static (FamilyGateways V4, FamilyGateways V6) Plan(Result100 result, BridgeConfig config)
    {
        var v4 = new List<CidrAddress>();
        var v6 = new List<CidrAddress>();
        var defaultRouteFound = new Dictionary<bool, bool> { [true] = false, [false] = false };
        result.Routes ??= [];

        foreach (var ip in result.Ips ?? [])
        {
            var isV4 = ip.Address.IsV4;
            ip.Interface = ContainerInterfaceIndex;
            if (ip.Gateway is null && config.IsGateway)
            {
                ip.Gateway = IpMath.Next(ip.Address.Network);
            }

            if (config.IsDefaultGateway && !defaultRouteFound[isV4])
            {
                var defaultDst = new CidrAddress(isV4 ? IPAddress.Any : IPAddress.IPv6Any, 0);
                if (!result.Routes.Any(r => r.Gw is not null && r.Dst == defaultDst))
                {
                    result.Routes.Add(new Route { Dst = defaultDst, Gw = ip.Gateway });
                }

                defaultRouteFound[isV4] = true;
            }

            if (config.IsGateway && ip.Gateway is not null)
            {
                (isV4 ? v4 : v6).Add(new CidrAddress(ip.Gateway, ip.Address.PrefixLength));
            }
        }

        return (new FamilyGateways(true, v4), new FamilyGateways(false, v6));
    }

    /// <summary>
    /// Whether an address already on the bridge blocks adding <paramref name="wanted"/>: any other IPv4
    /// address does; an IPv6 one only when the subnets overlap (several IPv6 gateways may coexist).
    /// </summary>
    public static bool Conflicts(CidrAddress existing, CidrAddress wanted) =>
        existing != wanted && existing.IsV4 == wanted.IsV4 &&
        (wanted.IsV4 || existing.Contains(wanted.Address) || wanted.Contains(existing.Address));
}
