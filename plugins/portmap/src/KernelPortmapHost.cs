using System.Net;
using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.Netlink;

namespace CniPlugins.Portmap;

/// <summary><see cref="IPortmapHost"/> over rtnetlink, ctnetlink and /proc/sys, in the plugin's (host) netns.</summary>
public sealed class KernelPortmapHost : IPortmapHost
{
    public void EnableRouteLocalnet(IPAddress containerIp)
    {
        using var rtnl = NetNamespace.OpenRtnl();
        var route = rtnl.GetRoute(containerIp) ?? throw new IOException($"no route to {containerIp}");
        var link = rtnl.GetLink(route.OutputIndex) ?? throw new IOException($"no interface with index {route.OutputIndex}");
        Sysctl.Ensure($"net.ipv4.conf.{link.Name}.route_localnet", "1");
    }

    public void FlushUdpConntrack(bool ipv4, IReadOnlyList<int> ports)
    {
        using var conntrack = new ConntrackClient(new NetlinkClient(NetlinkSocket.Open(NetlinkSocket.Netfilter)));
        foreach (var port in ports)
        {
            conntrack.DeleteByDestinationPort(ipv4 ? (byte)2 : (byte)10, ConntrackClient.ProtocolUdp, (ushort)port);
        }
    }
}
