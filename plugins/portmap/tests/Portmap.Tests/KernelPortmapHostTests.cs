using CniPlugins.Portmap;
using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;

namespace Portmap.Tests;

[Trait("Tier", "Privileged")]
public sealed class KernelPortmapHostTests
{
    [Fact]
    public void Udp_flush_deletes_the_entries_to_mapped_ports_and_keeps_the_rest()
    {
        using var flows = new UdpFlows(5353, 5354, 6000);
        NetNamespace.Run(flows.Server.Path, () => new KernelPortmapHost().FlushUdpConntrack(true, [5353, 5354]));
        using var conntrack = new ConntrackClient(new NetlinkClient(NetNamespace.Run(flows.Server.Path, () => NetlinkSocket.Open(NetlinkSocket.Netfilter))));
        var ports = conntrack.List(2).Select(e => e.DestinationPort).ToList();
        Assert.DoesNotContain((ushort)5353, ports);
        Assert.DoesNotContain((ushort)5354, ports);
        Assert.Contains((ushort)6000, ports);
    }

    [Fact]
    public void Udp_flush_in_a_netns_with_an_empty_table_succeeds()
    {
        using var ns = TestNetns.Create("cnipmc");
        NetNamespace.Run(ns.Path, () => new KernelPortmapHost().FlushUdpConntrack(true, [5353]));
        Assert.Equal(0, NetNamespace.Run(ns.Path, ConntrackClient.EntryCount));
    }
}
