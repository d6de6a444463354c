using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Netfilter.Tests;

public class NftLayoutTests
{
    private const NftFamily Inet = NftFamily.Inet;
    private readonly FakeNftables _nft = new();

    private static NftLayout Layout(string target = "own") => new NftLayout(new NftTable(Inet, "t"))
        .Chain(new NftChain(Inet, "t", "own"))
        .Chain(new NftChain(Inet, "t", "other"))
        .FixedChain(new NftChain(Inet, "t", "post") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) },
            [new NftRuleBuilder(Inet, "t", "post").Jump(target).Build()]);

    private static NftCommand OwnRule(string comment) => new NftAddRule(new NftRuleBuilder(Inet, "t", "own").Accept().Comment(comment).Build());

    [Fact]
    public void First_apply_creates_table_chains_and_fixed_rules_then_the_own_rule()
    {
        Layout().Apply(_nft, [OwnRule("a")]);
        var tx = Assert.Single(_nft.Transactions);
        Assert.Equal(["add table inet t", "add chain inet t own", "add chain inet t other", "add chain inet t post",
            "flush chain inet t post", "add rule inet t post", "add rule inet t own comment \"a\""], tx.Commands.Select(c => c.Describe()));
    }

    [Fact]
    public void With_the_layout_in_place_only_the_own_rules_are_sent()
    {
        Layout().Apply(_nft, [OwnRule("a")]);
        Layout().Apply(_nft, [OwnRule("b")]);
        Assert.True(RecordingNftables.OnlyAddsRules(_nft.Transactions[^1]));
        Assert.Single(_nft.Transactions[^1].Commands);
        Assert.Single(_nft.ListRules(Inet, "t", "post"));
    }

    [Fact]
    public void Nothing_to_add_and_nothing_missing_sends_nothing()
    {
        Layout().Apply(_nft, []);
        Layout().Apply(_nft, []);
        Assert.Empty(_nft.Transactions[^1].Commands);
    }

    [Fact]
    public void A_missing_chain_is_created_alone()
    {
        Layout().Apply(_nft, []);
        _nft.Run(new NftTransaction().Add(new NftDeleteChain(Inet, "t", "other")));
        Layout().Apply(_nft, [OwnRule("b")]);
        Assert.Equal(["add chain inet t other", "add rule inet t own comment \"b\""], _nft.Transactions[^1].Commands.Select(c => c.Describe()));
    }

    [Fact]
    public void A_fixed_chain_whose_rules_differ_is_flushed_and_rewritten()
    {
        Layout().Apply(_nft, []);
        Layout("other").Apply(_nft, []);
        Assert.Equal(["flush chain inet t post", "add rule inet t post"], _nft.Transactions[^1].Commands.Select(c => c.Describe()));
        var rule = Assert.Single(_nft.ListRules(Inet, "t", "post"));
        Assert.True(rule.Matches(new NftRuleBuilder(Inet, "t", "post").Jump("other").Build()));
    }

    [Fact]
    public void A_fixed_rule_deleted_behind_our_back_is_restored()
    {
        Layout().Apply(_nft, []);
        var jump = Assert.Single(_nft.ListRules(Inet, "t", "post"));
        _nft.Run(new NftTransaction().Delete(jump));
        Layout().Apply(_nft, [OwnRule("b")]);
        Assert.Single(_nft.ListRules(Inet, "t", "post"));
        Assert.Single(_nft.ListRules(Inet, "t", "own"));
    }

    [Fact]
    public void A_missing_table_is_rebuilt_whole()
    {
        Layout().Apply(_nft, [OwnRule("a")]);
        _nft.Run(new NftTransaction().Add(new NftDeleteTable(Inet, "t")));
        Layout().Apply(_nft, [OwnRule("b")]);
        Assert.Equal(Layout().Full().Commands.Count + 1, _nft.Transactions[^1].Commands.Count);
        Assert.Equal("b", Assert.Single(_nft.ListRules(Inet, "t", "own")).Comment);
    }

    [Fact]
    public void A_piece_vanishing_between_listing_and_commit_falls_back_to_the_full_layout()
    {
        Layout().Apply(_nft, []);
        _nft.FailNextRun = new NetlinkException(2, "add rule inet t own", "No such file or directory");
        Layout().Apply(_nft, [OwnRule("b")]);
        Assert.Equal(Layout().Full().Commands.Count + 1, _nft.Transactions[^1].Commands.Count);
        Assert.Single(_nft.ListRules(Inet, "t", "post"));
        Assert.Single(_nft.ListRules(Inet, "t", "own"));
    }

    [Fact]
    public void Other_errors_are_not_retried()
    {
        Layout().Apply(_nft, []);
        var count = _nft.Transactions.Count;
        _nft.FailNextRun = new NetlinkException(1, "add rule inet t own", "Operation not permitted");
        Assert.Throws<NetlinkException>(() => Layout().Apply(_nft, [OwnRule("b")]));
        Assert.Equal(count + 1, _nft.Transactions.Count);
    }
}
