using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Types;

namespace CniPlugins.Ptp;

/// <summary><see cref="IPtpKernel"/> over rtnetlink, on the host socket of the shared layer and one in the container.</summary>
public sealed class KernelPtp(KernelContainerInterfaces links) : IPtpKernel
{
    public void RouteThroughGateway(string netns, string ifName, IReadOnlyList<IpConfig100> ips)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"failed to look up \"{ifName}\": link not found");
        foreach (var ip in ips)
        {
            var (connected, toGateway, toSubnet) = PtpRoutes.Container(ip, link.Index);
            try
            {
                rtnl.DeleteRoute(connected);
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to delete route {connected.Destination} dev {ifName}: {e.Message}");
            }

            foreach (var route in new[] { toGateway, toSubnet })
            {
                try
                {
                    rtnl.AddRoute(route);
                }
                catch (NetlinkException e)
                {
                    throw new CniException(CniErrorCode.Internal, $"failed to add route {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")} dev {ifName} src {route.Source}: {e.Message}");
                }
            }
        }
    }

    public void SetupHostVeth(string hostVeth, IReadOnlyList<IpConfig100> ips)
    {
        var host = links.Host;
        var link = host.GetLink(hostVeth) ?? throw new CniException(CniErrorCode.Internal, $"failed to lookup \"{hostVeth}\": link not found");
        foreach (var ip in ips)
        {
            var (gatewayAddress, toContainer) = PtpRoutes.Host(ip, link.Index);
            try
            {
                // No DAD on the host end: the gateway answers the container at once, as on a bridge.
                host.AddAddress(link.Index, gatewayAddress, noDad: !gatewayAddress.IsV4);
            }
            catch (NetlinkException e) when (e.Errno != Errno.EEXIST)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add IP addr ({gatewayAddress}) to veth: {e.Message}");
            }

            try
            {
                host.AddRoute(toContainer);
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add route on host: {e.Message}");
            }
        }
    }
}
