using System.Buffers.Binary;
using System.Net;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;
using static LibCni.Netfilter.NftFields;
using static LibCni.Netfilter.Tests.ReferenceRulesets;

namespace LibCni.Netfilter.Tests;

public class RuleBuilderTests
{
    [Fact]
    public void Inet_rules_check_the_network_protocol_once()
    {
        var rule = new NftRuleBuilder(NftFamily.Inet, "t", "c")
            .Match(IpSaddr == IPAddress.Parse("10.0.0.2")).Match(IpDaddr == IPAddress.Parse("10.0.0.3")).Accept().Build();
        Assert.Equal(["meta", "cmp", "payload", "cmp", "payload", "cmp", "immediate"], rule.Expressions.Select(e => e.Name));
        Assert.Equal(new NftMeta(NftMetaKey.NfProto), rule.Expressions[0]);
    }

    [Fact]
    public void Meta_and_ct_loads_encode_the_key_then_the_destination_register()
    {
        // libnftnl's meta and ct builders: NFTA_*_KEY (2), then NFTA_*_DREG (1), both big-endian u32.
        Assert.Equal([8, 0, 2, 0, 0, 0, 0, 16, 8, 0, 1, 0, 0, 0, 0, 1], new NftMeta(NftMetaKey.L4Proto).EncodeData());
        Assert.Equal([8, 0, 2, 0, 0, 0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 2], new NftCt(NftCtKey.State, NftRegister.R2).EncodeData());
        Assert.Equal("ct load State => reg 1", new NftCt(NftCtKey.State).ToString());
        Assert.Equal("meta load IifName => reg 1", new NftMeta(NftMetaKey.IifName).ToString());
        Assert.NotEqual<NftExpression>(new NftCt(NftCtKey.State), new NftMeta((NftMetaKey)0));
    }

    [Fact]
    public void Bridge_rules_check_the_ethertype()
    {
        var rule = new NftRuleBuilder(NftFamily.Bridge, "t", "c").Match(Ip6Saddr == IPAddress.IPv6Loopback).Build();
        Assert.Equal(new NftMeta(NftMetaKey.Protocol), rule.Expressions[0]);
        Assert.Equal([0x86, 0xdd], ((NftCmp)rule.Expressions[1]).Data);
    }

    [Theory]
    [InlineData(NftFamily.Inet)]
    [InlineData(NftFamily.Ip)]
    public void Mixing_ip_and_ip6_fields_is_refused(NftFamily family)
    {
        var builder = new NftRuleBuilder(family, "t", "c").Match(IpSaddr == IPAddress.Loopback);
        Assert.Throws<ArgumentException>(() => builder.Match(Ip6Daddr == IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData("10.0.0.0/24", 3, false)]
    [InlineData("10.0.0.0/12", 4, true)]
    [InlineData("10.0.0.7/32", 4, false)]
    [InlineData("0.0.0.0/0", 4, true)]
    public void Prefixes_load_whole_bytes_or_mask_like_nft(string prefix, uint loaded, bool bitwise)
    {
        var rule = new NftRuleBuilder(NftFamily.Ip, "t", "c").Match(IpDaddr != IPNetwork.Parse(prefix)).Build();
        Assert.Equal(loaded, ((NftPayload)rule.Expressions[0]).Length);
        Assert.Equal(bitwise, rule.Expressions.Any(e => e is NftBitwise));
        Assert.Equal(NftCmpOp.Neq, ((NftCmp)rule.Expressions[^1]).Op);
    }

    [Fact]
    public void Values_are_encoded_by_the_field()
    {
        Assert.Equal([0x1f, 0x90], Cmp(ThDport == 8080));
        Assert.Equal([6], Cmp(L4Proto == "tcp"));
        Assert.Equal([132], Cmp(L4Proto == "sctp"));
        Assert.Equal(16, Cmp(IifName == "eth0").Length);
        Assert.Equal([2, 0, 0, 0], Cmp(FibDaddrType == "local"));
    }

    [Fact]
    public void Wrong_values_are_refused_with_the_field_name()
    {
        Assert.Contains("ip saddr", Assert.Throws<ArgumentException>(() => Cmp(IpSaddr == IPAddress.IPv6Loopback)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Cmp(ThDport == 70000));
        Assert.Throws<ArgumentException>(() => Cmp(L4Proto == "bogus"));
        Assert.Throws<ArgumentException>(() => Cmp(IifName == "a-name-that-is-too-long"));
    }

    [Fact]
    public void Comments_longer_than_nft_allows_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new NftRuleBuilder(NftFamily.Ip, "t", "c").Comment(new string('x', 129)));
        Assert.Equal(new string('x', 128), new NftRuleBuilder(NftFamily.Ip, "t", "c").Comment(new string('x', 128)).Build().Comment);
    }

    [Fact]
    public void Dnat_of_the_wrong_family_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new NftRuleBuilder(NftFamily.Ip, "t", "c").Dnat(IPAddress.IPv6Loopback, 80));
        var inet = new NftRuleBuilder(NftFamily.Inet, "t", "c").Dnat(IPAddress.IPv6Loopback).Build();
        Assert.Equal(new NftNat(NftNatType.Dnat, NftFamily.Ip6, NftRegister.R1, null), inet.Expressions[^1]);
    }

    private static byte[] Cmp(NftMatch match) =>
        ((NftCmp)new NftRuleBuilder(NftFamily.Ip, "t", "c").Match(match).Build().Expressions[^1]).Data;
}

public class ParserTests
{
    [Fact]
    public void A_rule_message_parses_back_with_comment_handle_and_unknown_attributes()
    {
        var rule = new NftRuleBuilder(NftFamily.Inet, "t", "c")
            .Match(IpSaddr == IPAddress.Parse("10.0.0.2")).Match(IpDaddr != IPNetwork.Parse("10.0.0.0/24")).Masquerade().Comment("hello").Build();
        var writer = NftMessages.NewRule(rule);
        writer.AttributeU64BigEndian(3, 42);
        writer.AttributeU32(99, 7);
        var parsed = NftParser.ParseRule(AsReceived(writer));

        Assert.Equal((NftFamily.Inet, "t", "c", 42UL, "hello"), (parsed.Family, parsed.Table, parsed.Chain, parsed.Handle!.Value, parsed.Comment));
        Assert.True(parsed.SameExpressionsAs(rule));
        Assert.All(parsed.Expressions, e => Assert.IsType<NftRawExpression>(e));
        Assert.Equal(99, Assert.Single(parsed.OtherAttributes).Type);
        Assert.False(parsed.SameExpressionsAs(new NftRuleBuilder(NftFamily.Inet, "t", "c").Masquerade().Build()));
    }

    [Fact]
    public void Tables_chains_and_set_elements_parse_back()
    {
        var table = NftParser.ParseTable(AsReceived(NftMessages.NewTable(new NftTable(NftFamily.Ip6, "x") { Comment = "c" })));
        Assert.Equal(new NftTable(NftFamily.Ip6, "x") { Comment = "c" }, table);

        var chain = new NftChain(NftFamily.Bridge, "nat", "PREROUTING") { Base = new NftBaseChain("filter", NftHook.Prerouting, -300, NftPolicy.Accept), Comment = "k" };
        Assert.Equal(chain, NftParser.ParseChain(AsReceived(NftMessages.NewChain(chain))));

        var elements = NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"));
        Assert.Equal(elements.Keys, NftParser.ParseSetElementKeys(AsReceived(NftMessages.NewSetElements(elements))));
    }

    [Fact]
    public void Comment_userdata_skips_other_tlvs_and_tolerates_garbage()
    {
        Assert.Equal("hi", NftMessages.CommentFromUserData([5, 1, 9, .. NftMessages.CommentUserData("hi")]));
        Assert.Null(NftMessages.CommentFromUserData([0, 40, 1]));
        Assert.Null(NftMessages.CommentFromUserData([]));
    }

    internal static NetlinkMessage AsReceived(NetlinkMessageWriter writer) => NetlinkMessage.ParseAll(writer.Finish(1))[0];
}

public class NftClientTests
{
    [Fact]
    public void A_transaction_is_one_datagram_framed_by_batch_markers_with_acks_asked_for_commands_only()
    {
        var connection = new ScriptedConnection().Respond(AckCommands);
        using var nft = new NftClient(new NetlinkClient(connection, firstSequence: 100));
        nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.2/24"), "c"));

        var messages = NetlinkMessage.ParseAll(Assert.Single(connection.Sent));
        Assert.Equal(10, messages.Count);
        Assert.Equal(0x10, messages[0].Type);
        Assert.Equal(0x11, messages[^1].Type);
        Assert.Equal(0, messages[0].Flags & Nlmsg.FAck);
        Assert.Equal(0, messages[^1].Flags & Nlmsg.FAck);
        Assert.All(messages.Skip(1).SkipLast(1), m => Assert.Equal(Nlmsg.FAck, m.Flags & Nlmsg.FAck));
        Assert.Equal(Enumerable.Range(101, 10).Select(i => (uint)i), messages.Select(m => m.Sequence));
    }

    [Fact]
    public void The_failing_command_is_named_with_errno_and_kernel_text()
    {
        var connection = new ScriptedConnection().Respond(request =>
        {
            var commands = NetlinkMessage.ParseAll(request).Skip(1).SkipLast(1).ToList();
            return [ScriptedConnection.Concat(commands.Select((m, i) => ScriptedConnection.Ack(m.Sequence, i == 1 ? 2 : 0, i == 1 ? "Could not process rule" : null)).ToArray())];
        });
        using var nft = new NftClient(new NetlinkClient(connection));
        var tx = new NftTransaction().Add(new NftTable(NftFamily.Ip, "t")).Add(new NftRuleBuilder(NftFamily.Ip, "t", "c").Jump("nope").Comment("x"));

        var e = Assert.Throws<NetlinkException>(() => nft.Run(tx));
        Assert.Equal(2, e.Errno);
        Assert.Equal("Could not process rule", e.KernelMessage);
        Assert.StartsWith("add rule ip t c comment \"x\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_addressed_to_the_batch_marker_ends_the_wait()
    {
        var connection = new ScriptedConnection().Respond(request => [ScriptedConnection.Ack(ScriptedConnection.SequenceOf(request), 1)]);
        using var nft = new NftClient(new NetlinkClient(connection));
        var e = Assert.Throws<NetlinkException>(() => nft.Run(new NftTransaction().Add(new NftTable(NftFamily.Ip, "t"))));
        Assert.Equal(1, e.Errno);
    }

    [Fact]
    public void An_empty_transaction_sends_nothing()
    {
        var connection = new ScriptedConnection();
        using var nft = new NftClient(new NetlinkClient(connection));
        nft.Run(new NftTransaction());
        Assert.Empty(connection.Sent);
    }

    [Fact]
    public void Listing_rules_dumps_the_chain_and_parses_handles_and_comments()
    {
        var connection = new ScriptedConnection().Respond(request =>
        {
            var sequence = ScriptedConnection.SequenceOf(request);
            var dumped = new[] { ("a", 5UL), ("b", 6UL) }.Select(r =>
            {
                var writer = NftMessages.NewRule(new NftRuleBuilder(NftFamily.Ip, "t", "c").Accept().Comment(r.Item1));
                writer.AttributeU64BigEndian(3, r.Item2);
                var bytes = writer.Finish(sequence);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), Nlmsg.FMulti);
                return bytes;
            });
            return [ScriptedConnection.Concat([.. dumped, ScriptedConnection.Done(sequence)])];
        });
        using var nft = new NftClient(new NetlinkClient(connection));
        var rules = nft.ListRules(NftFamily.Ip, "t", "c");

        Assert.Equal([("a", 5UL), ("b", 6UL)], rules.Select(r => (r.Comment!, r.Handle!.Value)));
        var request = NetlinkMessage.ParseAll(Assert.Single(connection.Sent))[0];
        Assert.Equal(0x0a07, request.Type);
        Assert.Equal(Nlmsg.FDump, request.Flags & Nlmsg.FDump);
    }

    private static IEnumerable<byte[]> AckCommands(byte[] request) =>
        [ScriptedConnection.Concat(NetlinkMessage.ParseAll(request).Skip(1).SkipLast(1).Select(m => ScriptedConnection.Ack(m.Sequence)).ToArray())];
}

public class FakeNftablesTests
{
    [Fact]
    public void The_reference_rulesets_apply_and_list_like_the_kernel()
    {
        var nft = new FakeNftables();
        nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.2/24"), "id1"));
        nft.Run(IpMasqAdd(CidrAddressText.Parse("10.0.0.3/24"), "id2"));
        nft.Run(PortmapAdd(NftFamily.Ip, IPAddress.Parse("10.0.0.2"), "ctr", PortmapMappingsV4));

        Assert.Equal(3, nft.ListRules(NftFamily.Inet, MasqTable, "postrouting").Count);
        Assert.Equal(["id1", "id2"], nft.ListRules(NftFamily.Inet, MasqTable, MasqChain).Select(r => r.Comment));
        Assert.Equal(1, nft.DeleteRules(NftFamily.Inet, MasqTable, MasqChain, c => c == "id1"));
        Assert.Equal(2, nft.ListRules(NftFamily.Ip, HostPortTable, "hostports").Count);
        Assert.Contains("comment \"id2\"", nft.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_command_leaves_nothing_behind()
    {
        var nft = new FakeNftables();
        var tx = new NftTransaction().Add(new NftTable(NftFamily.Ip, "t")).Add(new NftChain(NftFamily.Ip, "t", "c"))
            .Add(new NftRuleBuilder(NftFamily.Ip, "t", "c").Jump("missing"));
        Assert.Equal(2, Assert.Throws<NetlinkException>(() => nft.Run(tx)).Errno);
        Assert.Empty(nft.ListTables(NftFamily.Ip));
    }

    [Fact]
    public void Kernel_rules_for_chains_rules_and_elements()
    {
        var nft = new FakeNftables();
        nft.Run(new NftTransaction().Add(new NftTable(NftFamily.Ip, "t")).Add(new NftChain(NftFamily.Ip, "t", "a")).Add(new NftChain(NftFamily.Ip, "t", "b"))
            .Add(new NftRuleBuilder(NftFamily.Ip, "t", "a").Jump("b")));
        Assert.Equal(16, Assert.Throws<NetlinkException>(() => nft.Run(new NftTransaction().Add(new NftDeleteChain(NftFamily.Ip, "t", "b")))).Errno);
        Assert.Equal(2, Assert.Throws<NetlinkException>(() => nft.Run(new NftTransaction().Add(new NftDeleteRule(NftFamily.Ip, "t", "a", 999)))).Errno);
        nft.Run(new NftTransaction().Flush(NftFamily.Ip, "t", "a").Add(new NftDeleteChain(NftFamily.Ip, "t", "b")));
        Assert.Equal(["a"], nft.ListChains(NftFamily.Ip, "t").Select(c => c.Name));

        nft.Run(new NftTransaction().Add(new NftSet(NftFamily.Ip, "t", "s", NftSetKeyType.Ipv4Address)));
        nft.AddElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1")));
        nft.AddElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1")));
        Assert.Single(nft.ListSetElements(NftFamily.Ip, "t", "s"));
        nft.DeleteElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1")));
        Assert.Throws<NetlinkException>(() => nft.DeleteElements(NftSetElements.Of(NftFamily.Ip, "t", "s", IPAddress.Parse("10.0.0.1"))));
    }

    [Fact]
    public void FailNextRun_injects_an_error_once()
    {
        var nft = new FakeNftables { FailNextRun = new NetlinkException(1, "add table ip t", "Operation not permitted") };
        Assert.Throws<NetlinkException>(() => nft.EnsureTable(new NftTable(NftFamily.Ip, "t")));
        nft.EnsureTable(new NftTable(NftFamily.Ip, "t"));
        Assert.Single(nft.ListTables(NftFamily.Ip));
        Assert.Equal(2, nft.Transactions.Count);
    }
}
