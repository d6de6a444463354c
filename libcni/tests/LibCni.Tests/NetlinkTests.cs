using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Tests;

public class NetlinkTests
{
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static byte[] ZeroSequence(byte[] message)
    {
        var copy = (byte[])message.Clone();
        Array.Clear(copy, 8, 8);
        return copy;
    }

    // Captured with: ip link add cnit0 type bridge; strace -e trace=sendmsg -e write=3 ip link set dev cnit0 up
    // (in a private netns; cnit0 had ifindex 2). Sequence number and port ID are zeroed before comparing.
    [Theory]
    [InlineData(true, "20000000100005000000000000000000" + "00000000020000000100000001000000")]
    [InlineData(false, "20000000100005000000000000000000" + "00000000020000000000000001000000")]
    public void Set_link_up_and_down_match_iproute2_bytes(bool up, string expected)
    {
        var connection = new ScriptedConnection().Respond(r => [ScriptedConnection.Ack(ScriptedConnection.SequenceOf(r))]);
        using var rtnl = new RtnlClient(new NetlinkClient(connection));
        rtnl.SetLinkUp(2, up);
        Assert.Equal(expected, Hex(ZeroSequence(connection.Sent[0])));
    }

    [Fact]
    public void Nested_attributes_get_their_length_patched()
    {
        var writer = new NetlinkMessageWriter(Rtm.NewLink, 0).WriteBytes(new byte[16]);
        var nest = writer.BeginNested(Ifla.LinkInfo);
        writer.AttributeString(Ifla.InfoKind, "veth");
        writer.EndNested(nest);
        var bytes = writer.Finish(1);
        var attrs = NetlinkAttribute.ParseAll(bytes.AsMemory(32));
        var linkInfo = Assert.Single(attrs);
        Assert.True(linkInfo.IsNested);
        Assert.Equal("veth", Assert.Single(NetlinkAttribute.ParseAll(linkInfo.Value)).AsString());
        Assert.Equal(bytes.Length, BitConverter.ToInt32(bytes, 0));
    }

    [Fact]
    public void Unclosed_nest_is_caught()
    {
        var writer = new NetlinkMessageWriter(Rtm.NewLink, 0);
        writer.BeginNested(Ifla.LinkInfo);
        Assert.Throws<InvalidOperationException>(() => writer.Finish(1));
    }

    [Fact]
    public void Error_reply_carries_errno_and_extended_ack_text()
    {
        var connection = new ScriptedConnection().Respond(r => [ScriptedConnection.Ack(ScriptedConnection.SequenceOf(r), 17, "Link already exists")]);
        using var client = new NetlinkClient(connection);
        var e = Assert.Throws<NetlinkException>(() => client.Execute(new NetlinkMessageWriter(Rtm.NewLink, 0), "RTM_NEWLINK veth0"));
        Assert.Equal(17, e.Errno);
        Assert.Equal("Link already exists", e.KernelMessage);
        Assert.Contains("RTM_NEWLINK veth0", e.Message, StringComparison.Ordinal);
        Assert.Contains("Link already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replies_with_another_sequence_are_ignored()
    {
        var connection = new ScriptedConnection().Respond(r =>
        [
            ScriptedConnection.Ack(ScriptedConnection.SequenceOf(r) - 1, 22),
            ScriptedConnection.Ack(ScriptedConnection.SequenceOf(r)),
        ]);
        using var client = new NetlinkClient(connection);
        Assert.Empty(client.Execute(new NetlinkMessageWriter(Rtm.NewLink, 0), "op"));
    }

    [Fact]
    public void Dump_reads_every_datagram_until_done()
    {
        var connection = new ScriptedConnection().Respond(r =>
        {
            var seq = ScriptedConnection.SequenceOf(r);
            return
            [
                ScriptedConnection.Concat(Link(seq, 1, "lo"), Link(seq, 2, "eth0")),
                ScriptedConnection.Concat(Link(seq, 3, "br0")),
                ScriptedConnection.Done(seq),
            ];
        });
        using var rtnl = new RtnlClient(new NetlinkClient(connection));
        Assert.Equal(["lo", "eth0", "br0"], rtnl.ListLinks().Select(l => l.Name));
        Assert.Equal(Nlmsg.FRequest | Nlmsg.FDump, BitConverter.ToUInt16(connection.Sent[0], 6));
    }

    [Fact]
    public void Interrupted_dump_is_retried()
    {
        var connection = new ScriptedConnection()
            .Respond(r => [Link(ScriptedConnection.SequenceOf(r), 1, "stale", Nlmsg.FMulti | Nlmsg.FDumpIntr), ScriptedConnection.Done(ScriptedConnection.SequenceOf(r))])
            .Respond(r => [Link(ScriptedConnection.SequenceOf(r), 1, "fresh"), ScriptedConnection.Done(ScriptedConnection.SequenceOf(r))]);
        using var rtnl = new RtnlClient(new NetlinkClient(connection));
        Assert.Equal("fresh", Assert.Single(rtnl.ListLinks()).Name);
        Assert.Equal(2, connection.Sent.Count);
    }

    [Fact]
    public void Dump_interrupted_every_time_gives_up_after_five_attempts()
    {
        var connection = new ScriptedConnection();
        for (var i = 0; i < NetlinkClient.MaxDumpAttempts; i++)
        {
            connection.Respond(r => [ScriptedConnection.Done(ScriptedConnection.SequenceOf(r), Nlmsg.FMulti | Nlmsg.FDumpIntr)]);
        }

        using var rtnl = new RtnlClient(new NetlinkClient(connection));
        Assert.Throws<NetlinkException>(() => rtnl.ListLinks());
        Assert.Equal(NetlinkClient.MaxDumpAttempts, connection.Sent.Count);
    }

    [Fact]
    public void Missing_link_is_null()
    {
        var connection = new ScriptedConnection().Respond(r => [ScriptedConnection.Ack(ScriptedConnection.SequenceOf(r), 19)]);
        using var rtnl = new RtnlClient(new NetlinkClient(connection));
        Assert.Null(rtnl.GetLink("nope0"));
    }

    private static byte[] Link(uint sequence, int index, string name, ushort flags = Nlmsg.FMulti)
    {
        var writer = new NetlinkMessageWriter(Rtm.NewLink, flags).WriteBytes(RtnlRequests.IfInfoMsg(0, index, 0, 0));
        writer.AttributeString(Ifla.IfName, name);
        return writer.Finish(sequence);
    }
}
