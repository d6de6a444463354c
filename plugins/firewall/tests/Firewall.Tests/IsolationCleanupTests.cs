using System.Text;
using CniPlugins.Firewall;
using LibCni.Skel;
using LibCni.TestKit;
using Xunit;

namespace Firewall.Tests;

/// <summary>When a bridge's isolation rules go (a deliberate difference: the reference keeps them forever).</summary>
public class IsolationCleanupTests
{
    private readonly FakeIptables _iptables = new();
    private readonly FakeNftables _nft = new();
    private readonly FakeBridgeLinks _links = new();

    private FirewallPlugin Plugin() => new(_iptables, () => _nft, new FakeFirewalld { Running = false }, links: _links);

    private static CmdArgs Args(string command, string json, string containerId = "ctr1") => new()
    {
        Command = command,
        ContainerId = containerId,
        IfName = "eth0",
        Netns = "/run/netns/x",
        StdinData = Encoding.UTF8.GetBytes(json),
        ConfigVersion = "1.0.0",
    };

    private static string Conf(string backend, string veth = "veth1", string address = "10.88.0.5", bool prevResult = true) => Confs.With(
        $",\"backend\":\"{backend}\",\"ingressPolicy\":\"same-bridge\"",
        prevResult ? $$"""{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"{{veth}}"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"{{address}}/16","interface":2}]}""" : null);

    private string Iptables => string.Join('\n', _iptables.Tables[false].SelectMany(kv => kv.Value.Select(r => $"{kv.Key} {r}")));

    private int NftIsolationRules => new NftFirewall(() => _nft).IsolatedBridges().Count;

    [Theory]
    [InlineData(null, "veth1", true)]                  // bridge gone
    [InlineData("", "veth1", true)]                    // no ports at all
    [InlineData("veth1", "veth1", true)]               // only our own veth left
    [InlineData("veth1,veth2", "veth1", false)]        // another attachment
    [InlineData("eth9", "veth1", false)]               // a port someone else added
    [InlineData("veth1", null, false)]                 // no prevResult: only a gone bridge counts
    [InlineData(null, null, true)]
    public void Should_remove_only_when_nothing_else_uses_the_bridge(string? ports, string? own, bool remove) =>
        Assert.Equal(remove, IsolationCleanup.ShouldRemove(
            ports?.Split(',', StringSplitOptions.RemoveEmptyEntries), own?.Split(',')));

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    public void Del_of_the_first_attachment_keeps_the_rules_del_of_the_last_removes_them(string backend)
    {
        _links.Bridges["cni0"] = ["veth1", "veth2"];
        Plugin().Add(Args("ADD", Conf(backend)));
        Plugin().Add(Args("ADD", Conf(backend, "veth2", "10.88.0.6"), "ctr2"));
        Plugin().Del(Args("DEL", Conf(backend)));
        Assert.True(backend == "nftables" ? NftIsolationRules == 1 : Iptables.Contains("-o cni0", StringComparison.Ordinal));

        _links.Bridges["cni0"] = ["veth2"];
        Plugin().Del(Args("DEL", Conf(backend, "veth2", "10.88.0.6"), "ctr2"));
        Assert.DoesNotContain("cni0", Iptables, StringComparison.Ordinal);
        Assert.Equal(0, NftIsolationRules);
        if (backend == "iptables")
        {
            // The chains and their shared RETURNs stay, as the jump into stage 1 does.
            Assert.Contains("CNI-ISOLATION-STAGE-2 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j RETURN", Iptables, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Del_removes_the_rules_from_both_backends_and_leaves_other_bridges_alone()
    {
        _links.Bridges["cni0"] = ["veth1"];
        _links.Bridges["cni1"] = ["veth7"];
        Plugin().Add(Args("ADD", Conf("iptables")));
        Plugin().Add(Args("ADD", Conf("nftables")));
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"iptables\",\"ingressPolicy\":\"isolated\"",
            """{"cniVersion":"1.0.0","interfaces":[{"name":"cni1"},{"name":"veth7"}],"ips":[{"address":"10.89.0.5/16"}]}"""), "ctr7"));
        Plugin().Del(Args("DEL", Conf("firewalld")));
        Assert.DoesNotContain("cni0", Iptables, StringComparison.Ordinal);
        Assert.Equal(0, NftIsolationRules);
        Assert.Contains("-i cni1 -o cni1", Iptables, StringComparison.Ordinal);
        Assert.Contains("-o cni1 -m comment", Iptables, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_without_prevResult_removes_only_rules_of_bridges_that_are_gone()
    {
        _links.Bridges["cni0"] = ["veth1"];
        Plugin().Add(Args("ADD", Conf("iptables")));
        Plugin().Del(Args("DEL", Conf("iptables", prevResult: false)));
        Assert.Contains("-o cni0", Iptables, StringComparison.Ordinal);

        _links.Bridges.Clear();
        Plugin().Del(Args("DEL", Conf("iptables", prevResult: false)));
        Assert.DoesNotContain("cni0", Iptables, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_with_the_open_policy_leaves_isolation_alone()
    {
        Plugin().Add(Args("ADD", Conf("nftables")));
        Plugin().Del(Args("DEL", Confs.With(",\"backend\":\"nftables\"")));
        Assert.Equal(1, NftIsolationRules);
    }

    [Fact]
    public void Gc_removes_rules_of_vanished_bridges_only()
    {
        _links.Bridges["cni0"] = ["veth1"];
        _links.Bridges["cni1"] = ["veth7"];
        Plugin().Add(Args("ADD", Conf("nftables")));
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"nftables\",\"ingressPolicy\":\"same-bridge\"",
            """{"cniVersion":"1.0.0","interfaces":[{"name":"cni1"},{"name":"veth7"}],"ips":[{"address":"10.89.0.5/16"}]}"""), "ctr7"));
        _links.Bridges.Remove("cni0");
        Plugin().Gc(Args("GC", Confs.With(",\"cni.dev/valid-attachments\":[]", prevResult: null)));
        Assert.Equal(["cni1"], new NftFirewall(() => _nft).IsolatedBridges());
    }
}
