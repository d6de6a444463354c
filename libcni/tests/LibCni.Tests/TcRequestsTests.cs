using System.Buffers.Binary;
using LibCni.Netlink;
using LibCni.Netlink.Tc;
using Xunit;

namespace LibCni.Tests;

/// <summary>
/// The traffic-control builders against what iproute2 6.1 (tc, ip) sends for the same operation. Captured inside
/// scripts/in-private-netns with <c>strace -f -e trace=sendmsg -s 8192 -xx tc ...</c>; the device was ifindex 3
/// (veth vh0) and the ifb ifindex 4. Sequence and port ID zeroed; the client adds NLM_F_REQUEST|NLM_F_ACK itself.
/// </summary>
public class TcRequestsTests
{
    private static string Bytes(NetlinkMessageWriter writer)
    {
        writer.Flags |= Nlmsg.FRequest | Nlmsg.FAck;
        return Convert.ToHexString(writer.Finish(0)).ToLowerInvariant();
    }

    private static string Hex(string capture) => capture.Replace(" ", "", StringComparison.Ordinal);

    // tc qdisc add dev vh0 handle ffff: ingress
    [Fact]
    public void New_ingress_qdisc() => Assert.Equal(Hex(
        "30000000240005060000000000000000 00000000 03000000 0000ffff f1ffffff 00000000 0c000100 696e677265737300"),
        Bytes(TcRequests.NewIngress(3)));

    // tc qdisc del dev vh0 ingress
    [Fact]
    public void Delete_ingress_qdisc() => Assert.Equal(Hex(
        "30000000250005000000000000000000 00000000 03000000 0000ffff f1ffffff 00000000 0c000100 696e677265737300"),
        Bytes(TcRequests.DeleteIngressQdisc(3)));

    // tc qdisc del dev vh0 root
    [Fact]
    public void Delete_root_qdisc() => Assert.Equal(Hex(
        "24000000250005000000000000000000 00000000 03000000 00000000 ffffffff 00000000"),
        Bytes(TcRequests.DeleteRootQdisc(3)));

    // tc filter add dev vh0 parent ffff: protocol all prio 1 u32 match u32 0 0 flowid 1:1 action mirred egress redirect dev ifb0
    [Fact]
    public void New_match_all_redirect_filter() => Assert.Equal(Hex(
        "94000000 2c00 0506 00000000 00000000 00000000 03000000 00000000 0000ffff 00030100 08000100 75333200 68000200" +
        "080001000100010038000700340001000b0001006d69727265640000240002802000020000000000000000000400000000000000000000000100000004000000" +
        "240005000100010000000000000000000000000000000000000000000000000000000000"),
        Bytes(TcRequests.NewRedirectFilter(3, 4)));

    // tc qdisc show dev vh0
    [Fact]
    public void Get_qdiscs_of_a_link()
    {
        var writer = TcRequests.GetQdiscs(3);
        writer.Flags |= Nlmsg.FRequest | Nlmsg.FDump;
        Assert.Equal(Hex("24000000260001030000000000000000 00000000 03000000 00000000 00000000 00000000"),
            Convert.ToHexString(writer.Finish(0)).ToLowerInvariant());
    }

    // ip link add bwp0123456789ab mtu 1400 txqueuelen 0 up type ifb (the kernel ignores an alias given here)
    [Fact]
    public void New_ifb() => Assert.Equal(Hex(
        "50000000100005060000000000000000 00000000000000000100000001000000 0800040078050000 0800 0d00 00000000" +
        " 14000300 627770303132333435363738396162 00 0c001200 07000100 696662 00"),
        Bytes(TcRequests.NewIfb("bwp0123456789ab", 1400)));

    /// <summary>
    /// tc qdisc add dev vh0 root handle 1: tbf rate 1000000bit burst 12500 latency 25ms. tc also sends a rate table
    /// and TCA_TBF_BURST and fills the ratespec's cell fields; the kernel derives nothing we read back from those
    /// except that TCA_TBF_BURST would make it recompute the buffer, so we (like the reference) send only the
    /// parameters: the ones the kernel keeps (rate, limit, buffer) must be tc's.
    /// </summary>
    [Fact]
    public void Tbf_parameters_are_what_tc_computes()
    {
        const string tcParms = "2800010003010000ffff000048e80100000000000000000000000000093d000084d7170000000000";
        var scheduler = PacketScheduler.Parse("000003e8 00000040 000f4240 3b9aca00\n");
        var tbf = scheduler.Tbf(1_000_000, 100_000);
        var ours = Bytes(TcRequests.NewRootTbf(3, tbf));

        Assert.Equal(Hex("58000000240005060000000000000000 00000000 03000000 00000100 ffffffff 00000000 08000100 74626600 2c000200" +
            "28000100 0000000000000000 48e80100 000000000000000000000000 093d0000 84d71700 00000000"), ours);
        var parms = Convert.FromHexString(ours[(48 * 2)..]);
        var theirs = Convert.FromHexString(tcParms);
        Assert.Equal(theirs[..4], parms[..4]); // attribute header: TCA_TBF_PARMS, 40 bytes
        foreach (var offset in new[] { 4 + 8, 4 + 24, 4 + 28 })
        {
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(theirs.AsSpan(offset)), BinaryPrimitives.ReadUInt32LittleEndian(parms.AsSpan(offset)));
        }

        Assert.Equal(new TbfParameters(125_000, 15_625, 1_562_500), tbf);
    }

    [Fact]
    public void Rate_of_4_GB_per_second_or_more_goes_in_rate64()
    {
        var ours = Bytes(TcRequests.NewRootTbf(3, new TbfParameters(5_000_000_000, 1, 2)));
        Assert.EndsWith("0c000400" + "00f2052a01000000", ours, StringComparison.Ordinal);
    }

    /// <summary>The kernel's RTM_NEWQDISC for that tbf (from strace -e trace=recvmsg of tc qdisc show), stats trimmed.</summary>
    [Fact]
    public void Parses_a_tbf_dump_reply()
    {
        var payload = Convert.FromHexString(Hex(
            "00000000 03000000 00000100 ffffffff 03000000 08000100 74626600 2c000200" +
            "28000100 00010000 00000000 48e80100 00000000 00000000 00000000 093d0000 84d71700 00000000" +
            "05000c0000000000"));
        var qdisc = QdiscInfo.Parse(new NetlinkMessage(TcConstants.NewQdisc, Nlmsg.FMulti, 1, 0, payload));
        Assert.Equal("tbf", qdisc.Kind);
        Assert.True(qdisc.IsRoot);
        Assert.Equal(TcConstants.MakeHandle(1, 0), qdisc.Handle);
        Assert.Equal(new TbfParameters(125_000, 15_625, 1_562_500), qdisc.Tbf);
    }

    [Theory]
    [InlineData("000003e8 00000040 000f4240 3b9aca00", 15.625)]
    [InlineData("00000001 00000001 3b9aca00 00000064", 1000)] // 1 GHz clock: ticks are nanoseconds
    [InlineData("garbage", 0)]
    public void Reads_the_scheduler_tick(string psched, double tick) => Assert.Equal(tick, PacketScheduler.Parse(psched).TickInUsec);

    [Fact]
    public void Converts_floats_as_go_does_on_amd64()
    {
        Assert.Equal(0u, PacketScheduler.GoUint32(double.PositiveInfinity));
        Assert.Equal(1u, PacketScheduler.GoUint32(4294967297.9));
        Assert.Equal(3u, PacketScheduler.GoUint32(3.99));
    }
}
