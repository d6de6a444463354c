using System.Text;
using CniPlugins.Firewall;
using LibCni.Netfilter;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Firewall.Tests;

/// <summary>
/// The iptables and nftables backends against the real kernel, each test in throwaway namespaces; the
/// iptables layout is compared with what Debian's reference firewall plugin (/usr/lib/cni/firewall) makes.
/// </summary>
[Trait("Tier", "Privileged")]
public sealed class KernelTests : IDisposable
{
    private const string Reference = "/usr/lib/cni/firewall";
    private readonly TestNetns _ours = TestNetns.Create("cnifwo");
    private readonly TestNetns _ref = TestNetns.Create("cnifwr");
    private readonly TestNetns _ctr = TestNetns.Create("cnifwc");

    public void Dispose()
    {
        _ours.Dispose();
        _ref.Dispose();
        _ctr.Dispose();
    }

    private static string Conf(string extra = "", string version = "1.0.0") => Confs.With(",\"backend\":\"iptables\"" + extra, version: version,
        prevResult: $$"""{"cniVersion":"{{version}}","interfaces":[{"name":"cni0"},{"name":"veth1"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.88.0.5/16","interface":2},{"address":"fd00::5/64","interface":2}]}""");

    private ProcessResult RunReference(string command, string conf, string containerId = "ctr1") =>
        Shell.Exec("ip", ["netns", "exec", _ref.Name, Reference], conf, new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = _ctr.Path,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = "/usr/lib/cni",
            ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent/cni-test-bus",
        }, clearEnvironment: true);

    private FirewallPlugin Ours(TestNetns ns) => new(new NetnsIptables(ns), () => NftClient.OpenIn(ns.Path), new DbusFirewalld("unix:path=/nonexistent/cni-test-bus"), links: new KernelBridgeLinks(ns.Path));

    private static CmdArgs Args(string command, string conf, string containerId = "ctr1") => new()
    {
        Command = command,
        ContainerId = containerId,
        IfName = "eth0",
        Netns = "/x",
        StdinData = Encoding.UTF8.GetBytes(conf),
        ConfigVersion = "1.0.0",
    };

    private static void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");

    [Fact]
    public void Iptables_rules_are_byte_for_byte_the_references_for_both_families()
    {
        var conf = Conf();
        Ok(RunReference("ADD", conf));
        Ours(_ours).Add(Args("ADD", conf));
        Assert.Equal(NetnsIptables.Filter(_ref, false), NetnsIptables.Filter(_ours, false));
        Assert.Equal(NetnsIptables.Filter(_ref, true), NetnsIptables.Filter(_ours, true));
        Assert.Contains("-A CNI-FORWARD -d 10.88.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", NetnsIptables.Filter(_ours, false), StringComparison.Ordinal);

        // A second container and a second ADD of the first: still the same text. Then DEL of the first.
        var second = Confs.With(",\"backend\":\"iptables\"", prevResult: """{"cniVersion":"1.0.0","interfaces":[{"name":"cni1"}],"ips":[{"address":"10.89.0.7/16","interface":0}]}""");
        Ok(RunReference("ADD", second, "ctr2"));
        Ok(RunReference("ADD", conf));
        Ours(_ours).Add(Args("ADD", second, "ctr2"));
        Ours(_ours).Add(Args("ADD", conf));
        Assert.Equal(NetnsIptables.Filter(_ref, false), NetnsIptables.Filter(_ours, false));
        Ok(RunReference("DEL", conf));
        Ours(_ours).Del(Args("DEL", conf));
        Assert.Equal(NetnsIptables.Filter(_ref, false), NetnsIptables.Filter(_ours, false));
        Assert.Equal(NetnsIptables.Filter(_ref, true), NetnsIptables.Filter(_ours, true));
        Assert.DoesNotContain("10.88.0.5", NetnsIptables.Filter(_ours, false), StringComparison.Ordinal);
    }

    /// <summary>
    /// Isolation chains as the reference lays them out. Debian's binary is v1.1.1, which comments the shared
    /// rules "(ingressPolicy: same-bridge)" where v1.9 (which we follow) writes "same-bridge|isolated":
    /// that is the only difference, and each side recognises the other's rules (no duplicates).
    /// </summary>
    [Fact]
    public void Same_bridge_isolation_chains_are_the_references()
    {
        var conf = Conf(",\"ingressPolicy\":\"same-bridge\"");
        var second = Confs.With(",\"backend\":\"iptables\",\"ingressPolicy\":\"same-bridge\"",
            prevResult: """{"cniVersion":"1.0.0","interfaces":[{"name":"cni1"}],"ips":[{"address":"10.89.0.7/16","interface":0}]}""");
        Ok(RunReference("ADD", conf));
        Ok(RunReference("ADD", second, "ctr2"));
        Ours(_ours).Add(Args("ADD", conf));
        Ours(_ours).Add(Args("ADD", second, "ctr2"));
        foreach (var v6 in new[] { false, true })
        {
            Assert.Equal(NetnsIptables.Filter(_ref, v6),
                NetnsIptables.Filter(_ours, v6).Replace("(ingressPolicy: same-bridge|isolated)", "(ingressPolicy: same-bridge)", StringComparison.Ordinal));
        }

        // Our ADD and CHECK on the reference's rules add nothing.
        var before = NetnsIptables.Filter(_ref, false);
        Ours(_ref).Add(Args("ADD", conf));
        Ours(_ref).Check(Args("CHECK", conf));
        Assert.Equal(before, NetnsIptables.Filter(_ref, false));
    }

    [Fact]
    public void Custom_admin_chain_is_the_references()
    {
        var conf = Conf(",\"iptablesAdminChainName\":\"CNI-foobar\"");
        Ok(RunReference("ADD", conf));
        Ours(_ours).Add(Args("ADD", conf));
        Assert.Equal(NetnsIptables.Filter(_ref, false), NetnsIptables.Filter(_ours, false));
        Assert.Contains(":CNI-foobar - [0:0]", NetnsIptables.Filter(_ours, true), StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_can_switch_either_way()
    {
        var conf = Conf();

        // Reference ADD, our CHECK and DEL.
        Ok(RunReference("ADD", conf));
        Ours(_ref).Check(Args("CHECK", conf));
        Ours(_ref).Del(Args("DEL", conf));
        Assert.DoesNotContain("10.88.0.5", NetnsIptables.Filter(_ref, false), StringComparison.Ordinal);
        Assert.DoesNotContain("fd00::5", NetnsIptables.Filter(_ref, true), StringComparison.Ordinal);

        // Our ADD, the reference's CHECK and DEL.
        Ours(_ref).Add(Args("ADD", conf));
        Ok(RunReference("CHECK", conf));
        Ok(RunReference("DEL", conf));
        Assert.DoesNotContain("10.88.0.5", NetnsIptables.Filter(_ref, false), StringComparison.Ordinal);
    }

    [Fact]
    public void Iptables_check_fails_when_a_rule_is_deleted_behind_our_back()
    {
        var conf = Conf();
        Ours(_ours).Add(Args("ADD", conf));
        Ours(_ours).Check(Args("CHECK", conf));
        Shell.Run("ip", "netns", "exec", _ours.Name, "iptables", "-D", "CNI-FORWARD", "-s", "10.88.0.5/32", "-j", "ACCEPT");
        var e = Assert.Throws<CniException>(() => Ours(_ours).Check(Args("CHECK", conf)));
        Assert.Contains("-s 10.88.0.5/32 -j ACCEPT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nftables_backend_makes_the_same_rules_in_the_kernel_and_del_and_gc_remove_them()
    {
        var conf = Confs.With(",\"backend\":\"nftables\",\"ingressPolicy\":\"same-bridge\"");
        Ours(_ours).Add(Args("ADD", conf));
        Ours(_ours).Add(Args("ADD", conf));
        Ours(_ours).Check(Args("CHECK", conf));
        var listing = Nft(_ours);
        Assert.Contains("type filter hook forward priority filter; policy accept;", listing, StringComparison.Ordinal);
        Assert.Contains("jump CNI-ISOLATION-STAGE-1\n\t\tjump CNI-ADMIN comment \"CNI firewall plugin admin overrides\"\n\t\tjump CNI-FORWARD", listing, StringComparison.Ordinal);
        var tag = NftFirewall.Tag("fwnet", "ctr1");
        Assert.Contains($"ip daddr 10.88.0.5 ct state established,related accept comment \"{tag}\"", listing, StringComparison.Ordinal);
        Assert.Contains($"ip saddr 10.88.0.5 accept comment \"{tag}\"", listing, StringComparison.Ordinal);
        Assert.Contains($"ip6 daddr fd00::5 ct state established,related accept comment \"{tag}\"", listing, StringComparison.Ordinal);
        Assert.Contains($"ip6 saddr fd00::5 accept comment \"{tag}\"", listing, StringComparison.Ordinal);
        Assert.Contains("iifname \"cni0\" oifname != \"cni0\" jump CNI-ISOLATION-STAGE-2", listing, StringComparison.Ordinal);
        Assert.Contains("oifname \"cni0\" drop", listing, StringComparison.Ordinal);
        Assert.Single(listing.Split('\n'), l => l.Contains($"ip saddr 10.88.0.5 accept", StringComparison.Ordinal));

        // nft itself reads the rules back the way it would write them.
        Shell.Run("ip", ["netns", "exec", _ctr.Name, "nft", "-f", "-"], listing, null);
        Assert.Equal(listing, Nft(_ctr));

        Ours(_ours).Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"", """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.6/16"}]}"""), "ctr2"));
        Ours(_ours).Del(Args("DEL", Confs.With(prevResult: null)));
        Assert.DoesNotContain("10.88.0.5", Nft(_ours), StringComparison.Ordinal);
        Assert.Contains("10.88.0.6", Nft(_ours), StringComparison.Ordinal);
        Ours(_ours).Del(Args("DEL", Confs.With(prevResult: null)));

        Ours(_ours).Gc(Args("GC", Confs.With(",\"cni.dev/valid-attachments\":[]", prevResult: null)));
        Assert.DoesNotContain("10.88.0.6", Nft(_ours), StringComparison.Ordinal);
    }

    [Fact]
    public void Nftables_add_with_the_layout_in_place_sends_only_rules_and_one_finding_a_jump_gone_restores_it()
    {
        var log = new List<NftTransaction>();
        var plugin = new FirewallPlugin(new NetnsIptables(_ours), () => new RecordingNftables(NftClient.OpenIn(_ours.Path), log),
            new DbusFirewalld("unix:path=/nonexistent/cni-test-bus"), links: new KernelBridgeLinks(_ours.Path));
        plugin.Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"")));
        var before = log.Count;
        plugin.Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"", """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.6/16"}]}"""), "ctr2"));
        Assert.NotEqual(before, log.Count);
        Assert.All(log.Skip(before), tx => Assert.True(RecordingNftables.OnlyAddsRules(tx), string.Join("; ", tx.Commands.Select(c => c.Describe()))));

        Shell.Run("ip", "netns", "exec", _ours.Name, "nft", "flush", "chain", "inet", NftFirewall.TableName, NftFirewall.BaseChain);
        plugin.Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"", """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.7/16"}]}"""), "ctr3"));
        Assert.Contains("jump CNI-ISOLATION-STAGE-1\n\t\tjump CNI-ADMIN comment \"CNI firewall plugin admin overrides\"\n\t\tjump CNI-FORWARD", Nft(_ours), StringComparison.Ordinal);
        plugin.Check(Args("CHECK", Confs.With(",\"backend\":\"nftables\"")));
    }

    /// <summary>Two attachments on one real bridge: the first DEL keeps its isolation rules, the last removes them; GC removes a vanished bridge's.</summary>
    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    public void Isolation_rules_go_with_the_last_attachment_or_the_bridge(string backend)
    {
        Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "add", "cnibr0", "type", "bridge");
        Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "add", "cnibr1", "type", "bridge");
        foreach (var (veth, bridge) in new[] { ("vethA", "cnibr0"), ("vethB", "cnibr0"), ("vethC", "cnibr1") })
        {
            Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
            Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "set", veth, "master", bridge);
        }

        string Conf(string bridge, string veth, string address) => Confs.With($",\"backend\":\"{backend}\",\"ingressPolicy\":\"same-bridge\"",
            $$"""{"cniVersion":"1.0.0","interfaces":[{"name":"{{bridge}}"},{"name":"{{veth}}"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"{{address}}/24","interface":2}]}""");
        string Rules() => backend == "iptables" ? NetnsIptables.Filter(_ours, false) : Nft(_ours);

        Ours(_ours).Add(Args("ADD", Conf("cnibr0", "vethA", "10.70.0.2"), "ctrA"));
        Ours(_ours).Add(Args("ADD", Conf("cnibr0", "vethB", "10.70.0.3"), "ctrB"));
        Ours(_ours).Add(Args("ADD", Conf("cnibr1", "vethC", "10.71.0.2"), "ctrC"));

        Ours(_ours).Del(Args("DEL", Conf("cnibr0", "vethA", "10.70.0.2"), "ctrA"));
        Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "del", "vethA");
        Assert.Contains("cnibr0", Rules(), StringComparison.Ordinal);

        Ours(_ours).Del(Args("DEL", Conf("cnibr0", "vethB", "10.70.0.3"), "ctrB"));
        Assert.DoesNotContain("cnibr0", Rules(), StringComparison.Ordinal);
        Assert.Contains("cnibr1", Rules(), StringComparison.Ordinal);

        Shell.Run("ip", "netns", "exec", _ours.Name, "ip", "link", "del", "cnibr1");
        Ours(_ours).Gc(Args("GC", Confs.With(",\"cni.dev/valid-attachments\":[]", prevResult: null)));
        Assert.DoesNotContain("cnibr1", Rules(), StringComparison.Ordinal);
        Assert.Contains("CNI-ISOLATION-STAGE-1", Rules(), StringComparison.Ordinal);
    }

    [Fact]
    public void Nftables_check_fails_when_a_rule_is_deleted_behind_our_back()
    {
        var conf = Confs.With(",\"backend\":\"nftables\"");
        Ours(_ours).Add(Args("ADD", conf));
        Shell.Run("ip", "netns", "exec", _ours.Name, "nft", "flush", "chain", "inet", "cni_firewall", "CNI-FORWARD");
        Assert.Throws<CniException>(() => Ours(_ours).Check(Args("CHECK", conf)));
    }

    [Fact]
    public void Del_removes_iptables_and_nftables_rules_whatever_the_backend_says()
    {
        Ours(_ours).Add(Args("ADD", Conf()));
        Ours(_ours).Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"")));
        Ours(_ours).Del(Args("DEL", Confs.With(",\"backend\":\"firewalld\"")));
        Assert.DoesNotContain("10.88.0.5", NetnsIptables.Filter(_ours, false), StringComparison.Ordinal);
        Assert.DoesNotContain("fd00::5", NetnsIptables.Filter(_ours, true), StringComparison.Ordinal);
        Assert.DoesNotContain("10.88.0.5", Nft(_ours), StringComparison.Ordinal);
    }

    private static string Nft(TestNetns ns) => Shell.Run("ip", "netns", "exec", ns.Name, "nft", "list", "ruleset");
}

/// <summary>The firewalld backend against Debian's firewalld on a private system bus: firewalld's own ruleset shows each source.</summary>
[Trait("Tier", "Privileged")]
public sealed class FirewalldTests(PrivateFirewalld firewalld) : IClassFixture<PrivateFirewalld>
{
    private FirewallPlugin Plugin() => new(new FakeIptables(), () => new FakeNftables(), new DbusFirewalld(firewalld.Address));

    private static CmdArgs Args(string command, string conf, string containerId = "ctr1") => new()
    {
        Command = command,
        ContainerId = containerId,
        IfName = "eth0",
        Netns = "/x",
        StdinData = Encoding.UTF8.GetBytes(conf),
        ConfigVersion = "1.0.0",
    };

    private static string Conf(string address, string extra = "") =>
        Confs.With(extra, $$"""{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"}],"ips":[{"address":"{{address}}/24","interface":0}]}""");

    [Fact]
    public void Empty_backend_finds_firewalld_running_and_puts_the_address_in_the_trusted_zone()
    {
        var conf = Conf("10.77.0.5");
        Plugin().Add(Args("ADD", conf));
        Plugin().Add(Args("ADD", conf));
        Plugin().Check(Args("CHECK", conf));
        Assert.True(new DbusFirewalld(firewalld.Address).QuerySource("trusted", "10.77.0.5/32"));
        Assert.Contains("ip saddr 10.77.0.5 goto filter_FWD_trusted", firewalld.Ruleset(), StringComparison.Ordinal);

        Plugin().Del(Args("DEL", conf));
        Plugin().Del(Args("DEL", conf));
        Assert.False(new DbusFirewalld(firewalld.Address).QuerySource("trusted", "10.77.0.5/32"));
        Assert.DoesNotContain("10.77.0.5", firewalld.Ruleset(), StringComparison.Ordinal);
        Assert.Equal("failed to find the address 10.77.0.5/32 in trusted zone", Assert.Throws<CniException>(() => Plugin().Check(Args("CHECK", conf))).Message);
    }

    [Fact]
    public void A_custom_zone_and_ipv6()
    {
        var conf = Confs.With(",\"backend\":\"firewalld\",\"firewalldZone\":\"internal\"",
            """{"cniVersion":"1.0.0","ips":[{"address":"fd77::5/64"}]}""");
        Plugin().Add(Args("ADD", conf));
        Assert.True(new DbusFirewalld(firewalld.Address).QuerySource("internal", "fd77::5/128"));
        Assert.Contains("ip6 saddr fd77::5 goto filter_FWD_internal", firewalld.Ruleset(), StringComparison.Ordinal);
        Plugin().Del(Args("DEL", conf));
        Assert.False(new DbusFirewalld(firewalld.Address).QuerySource("internal", "fd77::5/128"));
    }

    [Fact]
    public void An_unknown_zone_is_firewalld_s_error_named_by_address_and_zone()
    {
        var e = Assert.Throws<CniException>(() => Plugin().Add(Args("ADD", Conf("10.77.0.9", ",\"backend\":\"firewalld\",\"firewalldZone\":\"nosuchzone\""))));
        Assert.StartsWith("failed to add the address 10.77.0.9/32 to nosuchzone zone: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("INVALID_ZONE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_firewalld_on_the_bus_means_not_running()
    {
        Assert.True(new DbusFirewalld(firewalld.Address).IsRunning());
        Assert.False(new DbusFirewalld("unix:path=/nonexistent/cni-test-bus").IsRunning());
    }
}
