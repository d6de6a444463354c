using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Linux.Tests;

/// <summary>ctnetlink listing and deletion against real UDP flows between two throwaway namespaces.</summary>
[Trait("Tier", "Privileged")]
public class ConntrackTests
{
    [Fact]
    public void Udp_entries_to_a_port_are_listed_and_deleted_and_others_kept()
    {
        using var flows = new UdpFlows(5353, 6000);
        var server = flows.Server;
        using var conntrack = new ConntrackClient(new NetlinkClient(NetNamespace.Run(server.Path, () => NetlinkSocket.Open(NetlinkSocket.Netfilter))));
        var entries = conntrack.List(2);
        Assert.Contains(entries, e => e.Protocol == ConntrackClient.ProtocolUdp && e.DestinationPort == 5353 && e.Source.ToString() == "10.123.0.2");
        Assert.Contains(entries, e => e.DestinationPort == 6000);

        Assert.True(NetNamespace.Run(server.Path, ConntrackClient.EntryCount) >= 2);
        Assert.Equal(1, conntrack.DeleteByDestinationPorts(2, ConntrackClient.ProtocolUdp, [5353, 7000]));
        entries = conntrack.List(2);
        Assert.DoesNotContain(entries, e => e.DestinationPort == 5353);
        Assert.Contains(entries, e => e.DestinationPort == 6000);
        Assert.Equal(0, conntrack.DeleteByDestinationPorts(2, ConntrackClient.ProtocolUdp, [5353]));
    }

    [Fact]
    public void A_netns_that_never_tracked_counts_no_entries()
    {
        using var ns = TestNetns.Create("cnict");
        Assert.Equal(0, NetNamespace.Run(ns.Path, ConntrackClient.EntryCount));
    }
}
