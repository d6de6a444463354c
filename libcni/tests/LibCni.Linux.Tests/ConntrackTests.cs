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
        using var server = TestNetns.Create("cnict");
        using var client = TestNetns.Create("cnict");
        Shell.Run("ip", "link", "add", "cnitct0", "netns", server.Name, "type", "veth", "peer", "name", "cnitct1", "netns", client.Name);
        server.Ip("addr", "add", "10.123.0.1/24", "dev", "cnitct0");
        client.Ip("addr", "add", "10.123.0.2/24", "dev", "cnitct1");
        server.Ip("link", "set", "cnitct0", "up");
        client.Ip("link", "set", "cnitct1", "up");

        // A ct match makes the kernel track connections in the server's netns.
        Shell.Run("ip", "netns", "exec", server.Name, "nft", "add table ip t; add chain ip t in { type filter hook input priority 0; }; add rule ip t in ct state new counter");
        foreach (var port in new[] { 5353, 6000 })
        {
            Shell.Exec("ip", ["netns", "exec", client.Name, "sh", "-c", $"echo x | nc -u -w1 -q0 10.123.0.1 {port}"], null, null);
        }

        using var conntrack = new ConntrackClient(new NetlinkClient(NetNamespace.Run(server.Path, () => NetlinkSocket.Open(NetlinkSocket.Netfilter))));
        var entries = conntrack.List(2);
        Assert.Contains(entries, e => e.Protocol == ConntrackClient.ProtocolUdp && e.DestinationPort == 5353 && e.Source.ToString() == "10.123.0.2");
        Assert.Contains(entries, e => e.DestinationPort == 6000);

        Assert.Equal(1, conntrack.DeleteByDestinationPort(2, ConntrackClient.ProtocolUdp, 5353));
        entries = conntrack.List(2);
        Assert.DoesNotContain(entries, e => e.DestinationPort == 5353);
        Assert.Contains(entries, e => e.DestinationPort == 6000);
        Assert.Equal(0, conntrack.DeleteByDestinationPort(2, ConntrackClient.ProtocolUdp, 5353));
    }
}
