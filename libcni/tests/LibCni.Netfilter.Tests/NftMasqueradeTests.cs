using LibCni.Netfilter.Masquerade;
using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;
using NftMasquerade = LibCni.Netfilter.Masquerade.NftMasquerade;

namespace LibCni.Masquerade.Tests;

public class NftMasqueradeTests
{
    private readonly FakeNftables _nft = new();

    private NftMasquerade Masq => new(() => _nft);

    private List<NftRule> Rules(string chain) => _nft.ListRules(NftFamily.Inet, NftMasquerade.Table, chain).ToList();

    [Fact]
    public void First_add_creates_the_table_both_chains_and_the_three_postrouting_rules()
    {
        Masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        Assert.Equal(3, Rules("postrouting").Count);
        Assert.Equal(NftMasquerade.Comment("net1", "eth0", "c1"), Assert.Single(Rules(NftMasquerade.Chain)).Comment);
    }

    [Fact]
    public void Later_adds_send_only_their_own_rules_no_table_chain_or_delete()
    {
        Masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        var postrouting = Rules("postrouting");
        var before = _nft.Transactions.Count;
        Masq.Setup("net1", "c2", "eth0", [CidrAddress.Parse("10.1.0.3/24"), CidrAddress.Parse("fd00::3/64")]);
        var tx = Assert.Single(_nft.Transactions.Skip(before));
        Assert.True(RecordingNftables.OnlyAddsRules(tx));
        Assert.Equal(2, tx.Commands.Count);
        Assert.All(tx.Commands.OfType<NftAddRule>(), c => Assert.Equal(NftMasquerade.Chain, c.Rule.Chain));
        Assert.Equal(postrouting, Rules("postrouting"));
        Assert.Equal(3, Rules(NftMasquerade.Chain).Count);
    }

    [Fact]
    public void A_table_deleted_behind_our_back_is_rebuilt_with_its_postrouting_rules()
    {
        Masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        _nft.Run(new NftTransaction().Add(new NftDeleteTable(NftFamily.Inet, NftMasquerade.Table)));
        Masq.Setup("net1", "c2", "eth0", [CidrAddress.Parse("10.1.0.3/24")]);
        Assert.Equal(3, Rules("postrouting").Count);
        Assert.Single(Rules(NftMasquerade.Chain));
    }

    [Fact]
    public void Teardown_removes_every_rule_of_the_attachment_even_after_a_repeated_add()
    {
        Masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        Masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        Masq.Setup("net1", "c2", "eth0", [CidrAddress.Parse("10.1.0.3/24")]);
        Masq.Teardown("net1", "c1", "eth0", []);
        Assert.Equal(NftMasquerade.Comment("net1", "eth0", "c2"), Assert.Single(Rules(NftMasquerade.Chain)).Comment);
    }
}
