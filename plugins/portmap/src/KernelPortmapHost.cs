using System.Net;
using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.Netlink;

namespace CniPlugins.Portmap;

/// <summary><see cref="IPortmapHost"/> over rtnetlink, ctnetlink and /proc/sys, in the plugin's (host) netns.</summary>
public sealed class KernelPortmapHost : IPortmapHost
{
    public bool EnableRouteLocalnet(IPAddress containerIp)
    {
        using var rtnl = NetNamespace.OpenRtnl();
        if (rtnl.GetRoute(containerIp) is not { } route || rtnl.GetLink(route.OutputIndex) is not { } link)
        {
            return false;
        }

        Sysctl.Ensure("1", Sysctl.Conf("ipv4", link.Name, "route_localnet"));
        return true;
    }

    /// <summary>
    /// Runs after the DNAT rules are committed, so every entry that predates them is counted: with none in the
    /// table there is nothing stale to delete, and the dump (a walk of the whole hash table) is skipped.
    /// </summary>
    public void FlushUdpConntrack(bool ipv4, IReadOnlyList<int> ports)
    {
        if (ConntrackClient.EntryCount() == 0)
        {
            return;
        }

        using var conntrack = new ConntrackClient(new NetlinkClient(NetlinkSocket.Open(NetlinkSocket.Netfilter)));
        conntrack.DeleteByDestinationPorts(ipv4 ? (byte)2 : (byte)10, ConntrackClient.ProtocolUdp, ports.Select(p => (ushort)p).ToList());
    }
}
