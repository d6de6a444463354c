using LibCni.Netfilter.Masquerade;
using System.Text.Json;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Bridge.Tests;

/// <summary>ipMasq (nftables and iptables) and macspoofchk as the kernel sees them, and their removal.</summary>
[Trait("Tier", "Binary")]
public class BridgeFirewallBinaryTests
{
    private static string Nft(BridgeHost h) => Shell.Run("ip", "netns", "exec", h.Host.Name, "nft", "list", "ruleset");

    [Fact]
    public void Ip_masq_with_nftables_is_added_and_removed_even_with_the_netns_gone()
    {
        using var h = new BridgeHost();
        var a = h.Container();
        var b = h.Container();
        var conf = h.Conf("1.0.0", ""","isGateway":true,"ipMasq":true""");
        Ok(h.Exec("ADD", conf, a, "masq-a"));
        Ok(h.Exec("ADD", conf, b, "masq-b"));
        var rules = Nft(h);
        Assert.Contains("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 masquerade", rules, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.88.0.3 ip daddr != 10.88.0.0/24 masquerade", rules, StringComparison.Ordinal);
        Assert.Contains("goto masq_checks", rules, StringComparison.Ordinal);

        var path = a.Path;
        Shell.Run("ip", "netns", "del", a.Name);
        Ok(h.Exec("DEL", conf, null, "masq-a", netns: path));
        rules = Nft(h);
        Assert.DoesNotContain("10.88.0.2", rules, StringComparison.Ordinal);
        Assert.Contains("10.88.0.3", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_looks_for_iptables_rules_only_where_the_kernel_has_a_nat_table()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","isGateway":true,"ipMasq":true""");
        Ok(h.Exec("ADD", conf, ctr, "lean"));
        var (del, programs) = h.ExecTraced("DEL", conf, ctr, "lean");
        Ok(del);
        Assert.Equal([Repo.Binary("bridge"), Repo.Binary("host-local")], programs);
        Assert.DoesNotContain("10.88.0.2", Nft(h), StringComparison.Ordinal);

        // Once an IPv4 nat table exists (here one that iptables-nft made), the rules of a plugin run with the
        // iptables backend may be in it: DEL reads it, and only it.
        Shell.Run("ip", "netns", "exec", h.Host.Name, "iptables-nft", "-t", "nat", "-N", "SOMEONE-ELSES");
        Ok(h.Exec("ADD", conf, ctr, "lean"));
        (del, programs) = h.ExecTraced("DEL", conf, ctr, "lean");
        Ok(del);
        Assert.Equal([Repo.Binary("bridge"), Repo.Binary("host-local"), "/usr/sbin/iptables-save"], programs);
    }

    [Fact]
    public void Ip_masq_with_iptables_uses_the_reference_chain()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","ipMasq":true,"ipMasqBackend":"iptables" """);
        Ok(h.Exec("ADD", conf, ctr, "ipt"));
        var save = Shell.Run("ip", "netns", "exec", h.Host.Name, "iptables-save", "-t", "nat");
        var chain = LibCni.Netfilter.Masquerade.IptablesMasquerade.ChainName("brnet", "ipt");
        Assert.Contains($"-A POSTROUTING -s 10.88.0.2/32 -m comment --comment \"name: \\\"brnet\\\" id: \\\"ipt\\\"\" -j {chain}", save, StringComparison.Ordinal);
        Assert.Contains($"-A {chain} ! -d 224.0.0.0/4", save, StringComparison.Ordinal);
        Ok(h.Exec("DEL", conf, ctr, "ipt"));
        Assert.DoesNotContain(chain, Shell.Run("ip", "netns", "exec", h.Host.Name, "iptables-save", "-t", "nat"), StringComparison.Ordinal);
    }

    [Fact]
    public void Mac_spoof_check_chains_follow_the_attachment()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","macspoofchk":true""");
        var add = h.Exec("ADD", conf, ctr, "spoof");
        Ok(add);
        var mac = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("interfaces")[2].GetProperty("mac").GetString()!;
        var rules = Nft(h);
        Assert.Contains("chain cni-br-iface-spoof-eth0-mac", rules, StringComparison.Ordinal);
        Assert.Contains($"ether saddr {mac} return", rules, StringComparison.Ordinal);
        Ok(h.Exec("DEL", conf, ctr, "spoof"));
        rules = Nft(h);
        Assert.DoesNotContain("cni-br-iface-spoof-eth0", rules, StringComparison.Ordinal);
        Assert.Contains("chain PREROUTING", rules, StringComparison.Ordinal);
    }
}
