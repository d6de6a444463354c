using LibCni.Netfilter.Masquerade;
using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;
using NftMasquerade = LibCni.Netfilter.Masquerade.NftMasquerade;

namespace LibCni.Masquerade.Tests;

/// <summary>
/// ipMasq as the reference (v1.9) lays it out, pinned from its source (pkg/ip/ipmasq_nftables_linux.go,
/// ipmasq_iptables_linux.go, pkg/utils/utils.go) with hashes computed independently (python3 hashlib.sha512):
/// v1.9's teardown (findRules: comment prefix hashForInstance in inet cni_plugins_masquerade masq_checks)
/// and GC (prefix hashForNetwork) find our rules, and ours find theirs.
/// </summary>
public class ReferenceV19MasqueradeLayoutTests
{
    // sha512("podnet")[:16], sha512("eth0:abc")[:16]
    private const string NetworkHash = "fa98a27bbcc17b2e";
    private const string InstanceHash = "fa98a27bbcc17b2e-e65086f8a75535c6";

    [Fact]
    public void Nftables_table_chain_and_comment_are_the_references()
    {
        Assert.Equal(("cni_plugins_masquerade", "masq_checks"), (NftMasquerade.Table, NftMasquerade.Chain));
        Assert.Equal(NetworkHash, NftMasquerade.NetworkHash("podnet"));
        Assert.Equal(InstanceHash, NftMasquerade.InstanceHash("podnet", "eth0", "abc"));
        Assert.Equal($"{InstanceHash}, net: podnet, if: eth0, id: abc", NftMasquerade.Comment("podnet", "eth0", "abc"));
    }

    [Fact]
    public void A_rule_v19_made_is_removed_by_our_teardown_and_ours_has_the_prefix_v19_looks_for()
    {
        var nft = new FakeNftables();
        var masq = new NftMasquerade(() => nft);
        masq.Setup("podnet", "ours", "eth0", [CidrAddress.Parse("10.1.0.6/24")]);
        nft.Run(new NftTransaction().Add(new NftRuleBuilder(NftFamily.Inet, "cni_plugins_masquerade", "masq_checks")
            .Match(NftFields.IpSaddr == IpText.Parse("10.1.0.5")).Match(NftFields.IpDaddr != System.Net.IPNetwork.Parse("10.1.0.0/24")).Masquerade()
            .Comment($"{InstanceHash}, net: podnet, if: eth0, id: abc")));

        // v1.9's findRules(hashForInstance(network, ifname, containerID)) for our attachment:
        var ourRule = Assert.Single(nft.ListRules(NftFamily.Inet, "cni_plugins_masquerade", "masq_checks"), r => r.Comment!.StartsWith(NftMasquerade.InstanceHash("podnet", "eth0", "ours"), StringComparison.Ordinal));
        Assert.StartsWith(NetworkHash + "-", ourRule.Comment, StringComparison.Ordinal);

        masq.Teardown("podnet", "abc", "eth0", []);
        Assert.Equal([ourRule.Comment], nft.ListRules(NftFamily.Inet, "cni_plugins_masquerade", "masq_checks").Select(r => r.Comment));
    }

    [Fact]
    public void Iptables_chain_and_comment_are_the_references()
    {
        // "CNI-" + sha512("podnet" + "abc") cut to 28; comment fmt.Sprintf("name: %q id: %q").
        Assert.Equal("CNI-0830037e596fec48748660dd", IptablesMasquerade.ChainName("podnet", "abc"));
        Assert.Equal("name: \"podnet\" id: \"abc\"", IptablesMasquerade.Comment("podnet", "abc"));
    }

    [Fact]
    public void Iptables_gc_removes_stale_containers_of_this_network_only()
    {
        var stale = IptablesMasquerade.ChainName("podnet", "gone");
        var kept = IptablesMasquerade.ChainName("podnet", "keep");
        var other = IptablesMasquerade.ChainName("othernet", "gone");
        var table = IptablesTable.Parse($"""
            *nat
            :POSTROUTING ACCEPT [0:0]
            :{stale} - [0:0]
            :{kept} - [0:0]
            :{other} - [0:0]
            -A POSTROUTING -s 10.1.0.5/32 -m comment --comment "name: \"podnet\" id: \"gone\"" -j {stale}
            -A POSTROUTING -s 10.1.0.6/32 -m comment --comment "name: \"podnet\" id: \"keep\"" -j {kept}
            -A POSTROUTING -s 10.2.0.5/32 -m comment --comment "name: \"othernet\" id: \"gone\"" -j {other}
            -A {stale} -d 10.1.0.0/24 -m comment --comment "name: \"podnet\" id: \"gone\"" -j ACCEPT
            COMMIT
            """);
        var script = IptablesMasquerade.GcScript(table, "podnet", new HashSet<string> { kept });
        Assert.Equal($"""
            *nat
            -D POSTROUTING -s 10.1.0.5/32 -m comment --comment "name: \"podnet\" id: \"gone\"" -j {stale}
            -F {stale}
            -X {stale}
            COMMIT

            """.Replace("\r", "", StringComparison.Ordinal), script.ToString());
    }
}
