using CniPlugins.Portmap;
using LibCni.Netfilter;
using LibCni.TestKit;
using Xunit;

namespace Portmap.Tests;

/// <summary>
/// nftables portmap against the real kernel: a later ADD that finds the table, chains and dispatch rules as they
/// should be sends only its own rules; new conditions or a dispatch rule removed by hand are rewritten.
/// </summary>
[Trait("Tier", "Privileged")]
public sealed class PortmapLayoutKernelTests : IDisposable
{
    private const string Mappings = ""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":53,"containerPort":5353,"protocol":"udp","hostIP":"192.168.0.2"}]}""";
    private readonly TestNetns _ns = TestNetns.Create("cnipml");
    private readonly List<NftTransaction> _log = [];

    private NftPortForwarder Forwarder() => new(() => new RecordingNftables(NftClient.OpenIn(_ns.Path), _log));

    private static PortmapRequest Request(string containerId, string extra = "") =>
        new("net1", containerId, "eth0", PortmapConfigTests.Parse(Mappings + extra + PortmapConfigTests.Prev));

    private string Chain(string chain) => Shell.Run("ip", "netns", "exec", _ns.Name, "nft", "list", "chain", "ip", NftPortForwarder.Table, chain);

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void A_later_add_sends_only_its_rules_and_the_dispatch_follows_conditions_and_repairs()
    {
        Forwarder().Forward(Request("ctr1"));
        Forwarder().Forward(Request("ctr2"));
        // One transaction per family (the container has an IPv4 and an IPv6 address).
        Assert.Equal(4, _log.Count);
        Assert.All(_log.Skip(2), tx => Assert.True(RecordingNftables.OnlyAddsRules(tx), string.Join("; ", tx.Commands.Select(c => c.Describe()))));

        // New conditions: prerouting and output are rewritten, hostports keeps every container's rules.
        Forwarder().Forward(Request("ctr3", ""","conditionsV4":["ip", "saddr", "10.0.0.0/8"]"""));
        Assert.Contains("ip saddr 10.0.0.0/8 fib daddr type local jump hostports_all", Chain("prerouting"), StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.0.0.0/8 fib daddr type local jump hostports_all", Chain("output"), StringComparison.Ordinal);
        Assert.Equal(6, Chain("hostports").Split('\n').Count(l => l.Contains("dnat to", StringComparison.Ordinal)));

        Shell.Run("ip", "netns", "exec", _ns.Name, "nft", "flush", "chain", "ip", NftPortForwarder.Table, "hostports_all");
        Forwarder().Forward(Request("ctr4", ""","conditionsV4":["ip", "saddr", "10.0.0.0/8"]"""));
        Assert.Contains("jump hostip_hostports", Chain("hostports_all"), StringComparison.Ordinal);
        Assert.Single(Chain("hostports_all").Split('\n'), l => l.Contains("jump hostports", StringComparison.Ordinal) && !l.Contains("hostip", StringComparison.Ordinal));
        Forwarder().Check(Request("ctr1"));
    }
}
