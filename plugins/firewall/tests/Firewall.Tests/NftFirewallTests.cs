using CniPlugins.Firewall;
using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Firewall.Tests;

/// <summary>The nftables backend's plan against the in-memory nftables.</summary>
public class NftFirewallTests
{
    private readonly FakeNftables _nft = new();

    private NftFirewall Backend() => new(() => new Unclosed(_nft));

    [Fact]
    public void Add_makes_the_table_chains_and_tagged_address_rules()
    {
        Backend().Add(IptablesFirewallTests.Request(Confs.With()));
        var dump = _nft.Dump();
        Assert.Contains("table inet cni_firewall", dump, StringComparison.Ordinal);
        Assert.Contains("chain forward { type filter hook forward priority 0 }", dump, StringComparison.Ordinal);
        var rules = _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD");
        Assert.Equal(4, rules.Count);
        Assert.All(rules, r => Assert.Equal(NftFirewall.Tag("fwnet", "ctr1"), r.Comment));
        Assert.Equal(["CNI-ISOLATION-STAGE-1", "CNI-ADMIN", "CNI-FORWARD"],
            _nft.ListRules(NftFamily.Inet, "cni_firewall", "forward").Select(r => ((NftImmediate)r.Expressions.Single()).Verdict!.Chain));
    }

    [Fact]
    public void Readd_is_idempotent_and_the_base_chain_never_doubles()
    {
        var request = IptablesFirewallTests.Request(Confs.With());
        Backend().Add(request);
        Backend().Add(request);
        Backend().Add(IptablesFirewallTests.Request(Confs.With(",\"iptablesAdminChainName\":\"CNI-other\""), "ctr2"));
        Assert.Equal(4 + 4, _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD").Count);
        Assert.Equal(4, _nft.ListRules(NftFamily.Inet, "cni_firewall", "forward").Count);
        Backend().Check(request);
    }

    [Fact]
    public void Del_needs_only_the_container_and_leaves_other_containers()
    {
        Backend().Add(IptablesFirewallTests.Request(Confs.With()));
        Backend().Add(IptablesFirewallTests.Request(Confs.With(prevResult: """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.6/16"}]}"""), "ctr2"));
        Backend().Del(IptablesFirewallTests.Request(Confs.With(prevResult: null)));
        var rules = _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD");
        Assert.Equal(2, rules.Count);
        Assert.All(rules, r => Assert.Equal(NftFirewall.Tag("fwnet", "ctr2"), r.Comment));
        Backend().Del(IptablesFirewallTests.Request(Confs.With(prevResult: null)));
    }

    [Fact]
    public void Del_on_a_host_without_the_table_succeeds() =>
        Backend().Del(IptablesFirewallTests.Request(Confs.With(prevResult: null)));

    [Fact]
    public void Check_names_a_missing_rule()
    {
        var request = IptablesFirewallTests.Request(Confs.With());
        Assert.Throws<CniException>(() => Backend().Check(request));
        Backend().Add(request);
        var victim = _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD")[1];
        _nft.Run(new NftTransaction().Delete(victim));
        Assert.Contains("expected rule not found", Assert.Throws<CniException>(() => Backend().Check(request)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_removes_only_this_networks_invalid_attachments()
    {
        Backend().Add(IptablesFirewallTests.Request(Confs.With(), "keep"));
        Backend().Add(IptablesFirewallTests.Request(Confs.With(prevResult: """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.6/16"}]}"""), "gone"));
        Backend().Add(new FirewallRequest("othernet", "gone", "eth0", FirewallConfig.Parse(System.Text.Encoding.UTF8.GetBytes(Confs.With()), "1.0.0")));
        Backend().Gc("fwnet", new HashSet<string> { "keep" });
        var comments = _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD").Select(r => r.Comment).Distinct().ToList();
        Assert.Equal([NftFirewall.Tag("fwnet", "keep"), NftFirewall.Tag("othernet", "gone")], comments);
    }

    [Fact]
    public void Isolation_rules_per_bridge_without_duplicates()
    {
        Backend().Add(IptablesFirewallTests.Request(Confs.With()));
        Backend().Isolate("cni0", false, true, true);
        Backend().Isolate("cni0", false, true, true);
        Backend().Isolate("cni1", true, true, true);
        Assert.Equal(3, _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-ISOLATION-STAGE-1").Count);
        Assert.Equal(2, _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-ISOLATION-STAGE-2").Count);
        Backend().CheckIsolation("cni1", true, true, true);
        Assert.Throws<CniException>(() => Backend().CheckIsolation("cni0", true, true, true));
    }

    [Fact]
    public void Long_container_ids_are_hashed_into_the_comment_limit()
    {
        var tag = NftFirewall.Tag("fwnet", new string('a', 200));
        Assert.True(tag.Length <= 128);
        Assert.NotEqual(tag, NftFirewall.Tag("fwnet", new string('a', 199) + "b"));
    }

    [Fact]
    public void Ct_state_match_is_encoded_as_nft_does()
    {
        var expressions = NftCt.StateIn(NftCtState.Established | NftCtState.Related);
        Assert.Equal(["ct", "bitwise", "cmp"], expressions.Select(e => e.Name));
        Assert.Equal([6, 0, 0, 0], ((NftBitwise)expressions[1]).Mask);
        Assert.Equal(NftCmpOp.Neq, ((NftCmp)expressions[2]).Op);
    }

    /// <summary>The backend disposes what it opens; the fake must outlive each call.</summary>
    private sealed class Unclosed(FakeNftables inner) : INftables
    {
        public void Run(NftTransaction transaction) => inner.Run(transaction);

        public IReadOnlyList<NftTable> ListTables(NftFamily family) => inner.ListTables(family);

        public IReadOnlyList<NftChain> ListChains(NftFamily family, string table) => inner.ListChains(family, table);

        public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain) => inner.ListRules(family, table, chain);

        public IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set) => inner.ListSetElements(family, table, set);

        public void Dispose()
        {
        }
    }
}
