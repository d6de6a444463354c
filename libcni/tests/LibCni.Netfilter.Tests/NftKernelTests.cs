using System.Net;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;
using static LibCni.Netfilter.NftFields;
using static LibCni.Netfilter.Tests.ReferenceRulesets;

namespace LibCni.Netfilter.Tests;

/// <summary>
/// NftClient against the real kernel, each test in its own netns: the rulesets of bridge ipMasq and
/// portmap are built in one namespace with the client and in another by nft from the reference's text,
/// and <c>nft list ruleset</c> of both must be identical.
/// </summary>
[Trait("Tier", "Privileged")]
public class NftKernelTests
{
    private const string Comment1 = "0123456789abcdef-fedcba9876543210, net: mynet, if: eth0, id: ctr1";
    private const string Comment2 = "0123456789abcdef-0011223344556677, net: mynet, if: eth0, id: ctr2";

    [Fact]
    public void IpMasq_ruleset_is_what_nft_makes_of_the_reference_rules()
    {
        using var ours = TestNetns.Create();
        using var reference = TestNetns.Create();
        using (var nft = NftClient.OpenIn(ours.Path))
        {
            nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.2/24"), Comment1));
        }

        NftScript(reference, IpMasqNftScript("10.0.0.2", "10.0.0.0/24", Comment1));
        var listing = Ruleset(ours);
        Assert.Equal(Ruleset(reference), listing);
        Assert.Contains("ip saddr 10.0.0.2 ip daddr != 10.0.0.0/24 masquerade comment \"" + Comment1 + "\"", listing, StringComparison.Ordinal);
        Assert.Contains("goto masq_checks", listing, StringComparison.Ordinal);
    }

    [Fact]
    public void IpMasq_for_ipv6_and_a_second_add_rebuilds_postrouting_without_duplicates()
    {
        using var ours = TestNetns.Create();
        using var reference = TestNetns.Create();
        using (var nft = NftClient.OpenIn(ours.Path))
        {
            nft.Run(IpMasqAdd(CidrAddressText.Parse("2001:db8::2/64"), Comment1));
            var stale = nft.FindRules(NftFamily.Inet, MasqTable, MasqChain, c => c.StartsWith(Comment1[..33], StringComparison.Ordinal));
            Assert.Single(stale);
            nft.Run(IpMasqAdd(CidrAddressText.Parse("2001:db8::2/64"), Comment1, stale));
        }

        NftScript(reference, IpMasqNftScript("2001:db8::2", "2001:db8::/64", Comment1, v6: true));
        Assert.Equal(Ruleset(reference), Ruleset(ours));
    }

    [Fact]
    public void Rules_list_with_handles_and_comments_and_delete_by_comment_prefix()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.2/24"), Comment1));
        nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.3/24"), Comment2));

        var rules = nft.ListRules(NftFamily.Inet, MasqTable, MasqChain);
        Assert.Equal([Comment1, Comment2], rules.Select(r => r.Comment));
        Assert.All(rules, r => Assert.True(r.Handle > 0));
        Assert.Equal(3, nft.ListRules(NftFamily.Inet, MasqTable, "postrouting").Count);
        var expected = new NftRuleBuilder(NftFamily.Inet, MasqTable, MasqChain)
            .Match(IpSaddr == IPAddress.Parse("10.0.0.2")).Match(IpDaddr != IPNetwork.Parse("10.0.0.0/24")).Masquerade().Build();
        Assert.True(rules[0].SameExpressionsAs(expected), string.Join(" / ", rules[0].Expressions) + " VS " + string.Join(" / ", expected.Expressions.Select(e => e.Name + " " + Convert.ToHexString(e.EncodeData()))));

        Assert.Equal(1, nft.DeleteRules(NftFamily.Inet, MasqTable, MasqChain, c => c.StartsWith("0123456789abcdef-fedcba9876543210", StringComparison.Ordinal)));
        var listing = Ruleset(ns);
        Assert.DoesNotContain("ctr1", listing, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.0.0.3 ip daddr != 10.0.0.0/24 masquerade comment \"" + Comment2 + "\"", listing, StringComparison.Ordinal);
        Assert.Equal(0, nft.DeleteRules(NftFamily.Inet, MasqTable, MasqChain, c => c.Contains("ctr1", StringComparison.Ordinal)));
    }

    [Fact]
    public void Portmap_rulesets_are_what_nft_makes_of_the_reference_rules()
    {
        using var ours = TestNetns.Create();
        using var reference = TestNetns.Create();
        using (var nft = NftClient.OpenIn(ours.Path))
        {
            nft.Run(PortmapAdd(NftFamily.Ip, IPAddress.Parse("10.0.0.2"), "icee6giejonei6so", PortmapMappingsV4));
            nft.Run(PortmapAdd(NftFamily.Ip6, IPAddress.Parse("2001:db8::2"), "icee6giejonei6so", PortmapMappingsV6));
        }

        NftScript(reference, PortmapNftScriptV4 + PortmapNftScriptV6);
        var listing = Ruleset(ours);
        Assert.Equal(Ruleset(reference), listing);
        Assert.Contains("ip daddr 192.168.0.2 udp dport 53 dnat to 10.0.0.2:5353 comment \"icee6giejonei6so\"", listing, StringComparison.Ordinal);
        Assert.Contains("tcp dport 8080 dnat to [2001:db8::2]:80 comment \"icee6giejonei6so\"", listing, StringComparison.Ordinal);
    }

    [Fact]
    public void Portmap_del_removes_the_containers_rules_in_both_families_and_keeps_the_rest()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        nft.Run(PortmapAdd(NftFamily.Ip, IPAddress.Parse("10.0.0.2"), "ctr-a", PortmapMappingsV4));
        nft.Run(PortmapAdd(NftFamily.Ip, IPAddress.Parse("10.0.0.3"), "ctr-b", [("tcp", 9090, 90, null)]));
        nft.Run(PortmapAdd(NftFamily.Ip6, IPAddress.Parse("2001:db8::2"), "ctr-a", PortmapMappingsV6));

        foreach (var family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            foreach (var chain in new[] { "hostports", "hostip_hostports", "masquerading", "no_such_chain" })
            {
                nft.DeleteRules(family, HostPortTable, chain, c => c == "ctr-a");
            }
        }

        var listing = Ruleset(ns);
        Assert.DoesNotContain("ctr-a", listing, StringComparison.Ordinal);
        Assert.Contains("tcp dport 9090 dnat to 10.0.0.3:90 comment \"ctr-b\"", listing, StringComparison.Ordinal);
        Assert.Equal(2, nft.ListRules(NftFamily.Ip, HostPortTable, "masquerading").Count);
        Assert.Empty(nft.ListRules(NftFamily.Ip6, HostPortTable, "masquerading"));
    }

    [Fact]
    public void A_jump_to_a_missing_chain_fails_the_whole_batch_with_the_kernels_error()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        var tx = new NftTransaction()
            .Add(new NftTable(NftFamily.Ip, "t"))
            .Add(new NftChain(NftFamily.Ip, "t", "c"))
            .Add(new NftRuleBuilder(NftFamily.Ip, "t", "c").Jump("missing").Comment("x"));

        var e = Assert.Throws<NetlinkException>(() => nft.Run(tx));
        Assert.Equal(2, e.Errno);
        Assert.StartsWith("add rule ip t c comment \"x\"", e.Message, StringComparison.Ordinal);
        Assert.Empty(nft.ListTables(NftFamily.Ip));
        Assert.DoesNotContain("table", Ruleset(ns), StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_existing_objects_is_idempotent_and_listings_of_missing_things_are_empty()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        var table = new NftTable(NftFamily.Bridge, "nat");
        var chain = new NftChain(NftFamily.Bridge, "nat", "PREROUTING") { Base = new NftBaseChain("filter", NftHook.Prerouting, -300, NftPolicy.Accept) };
        nft.EnsureTable(table);
        nft.EnsureTable(table);
        nft.EnsureChain(chain);
        nft.EnsureChain(chain);

        Assert.Equal(["nat"], nft.ListTables(NftFamily.Bridge).Select(t => t.Name));
        var listed = Assert.Single(nft.ListChains(NftFamily.Bridge, "nat"));
        Assert.Equal(chain.Base, listed.Base);
        Assert.Empty(nft.ListRules(NftFamily.Bridge, "nat", "missing"));
        Assert.Empty(nft.ListRules(NftFamily.Ip, "missing", "missing"));
        Assert.Empty(nft.ListChains(NftFamily.Ip, "missing"));
        Assert.Empty(nft.ListSetElements(NftFamily.Ip, "missing", "missing"));
    }

    [Fact]
    public void Macspoofchk_chains_and_teardown()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        const string iface = "cni-br-iface-ctr1-eth0", mac = iface + "-mac", comment = "macspoofchk-ctr1-eth0";
        const NftFamily bridge = NftFamily.Bridge;
        nft.Run(new NftTransaction()
            .Add(new NftTable(bridge, "nat"))
            .Add(new NftChain(bridge, "nat", "PREROUTING") { Base = new NftBaseChain("filter", NftHook.Prerouting, -300, NftPolicy.Accept) })
            .Add(new NftChain(bridge, "nat", iface))
            .Add(new NftChain(bridge, "nat", mac))
            .Add(new NftRuleBuilder(bridge, "nat", "PREROUTING").Match(IifName == "veth1a2b3c4d").Jump(iface).Comment(comment))
            .Add(new NftRuleBuilder(bridge, "nat", iface).Jump(mac).Comment(comment))
            .Add(new NftRuleBuilder(bridge, "nat", mac).Match(EtherSaddr == "0a-58-0a-00-00-02").Return().Comment(comment))
            .Add(new NftRuleBuilder(bridge, "nat", mac).Drop().Comment(comment)));

        var listing = Ruleset(ns);
        Assert.Contains("iifname \"veth1a2b3c4d\" jump cni-br-iface-ctr1-eth0 comment \"macspoofchk-ctr1-eth0\"", listing, StringComparison.Ordinal);
        Assert.Contains("ether saddr 0a:58:0a:00:00:02 return comment \"macspoofchk-ctr1-eth0\"", listing, StringComparison.Ordinal);
        Assert.Contains("drop comment \"macspoofchk-ctr1-eth0\"", listing, StringComparison.Ordinal);

        var teardown = new NftTransaction();
        foreach (var rule in nft.FindRules(bridge, "nat", "PREROUTING", c => c == comment))
        {
            teardown.Delete(rule);
        }

        teardown.Flush(bridge, "nat", iface).Flush(bridge, "nat", mac)
            .Add(new NftDeleteChain(bridge, "nat", iface)).Add(new NftDeleteChain(bridge, "nat", mac));
        nft.Run(teardown);
        Assert.Equal(["PREROUTING"], nft.ListChains(bridge, "nat").Select(c => c.Name));
        Assert.Empty(nft.ListRules(bridge, "nat", "PREROUTING"));
    }

    [Fact]
    public void Set_elements_and_lookup_rules()
    {
        using var ns = TestNetns.Create();
        using var nft = NftClient.OpenIn(ns.Path);
        nft.Run(new NftTransaction()
            .Add(new NftTable(NftFamily.Ip, "t"))
            .Add(new NftChain(NftFamily.Ip, "t", "c"))
            .Add(new NftSet(NftFamily.Ip, "t", "s", NftSetKeyType.Ipv4Address) { Id = 1 })
            .Add(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")) with { SetId = 1 })
            .Add(new NftRuleBuilder(NftFamily.Ip, "t", "c").Match(IpSaddr.NotIn("s", setId: 1)).Counter().Drop()));
        nft.DeleteElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1")));
        nft.AddElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.9")));

        Assert.Equal(["10.0.0.2", "10.0.0.9"], nft.ListSetElements(NftFamily.Ip, "t", "s").Select(k => new IPAddress(k).ToString()).Order());
        var listing = Ruleset(ns);
        Assert.Contains("ip saddr != @s counter packets 0 bytes 0 drop", listing, StringComparison.Ordinal);
        Assert.Throws<NetlinkException>(() => nft.DeleteElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.9.9.9"))));
    }

    private static string Ruleset(TestNetns ns) => Shell.Run("ip", "netns", "exec", ns.Name, "nft", "list", "ruleset");

    private static void NftScript(TestNetns ns, string script) =>
        Shell.Run("ip", ["netns", "exec", ns.Name, "nft", "-f", "-"], script, null);
}
