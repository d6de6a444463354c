using System.Buffers.Binary;
using LibCni.Netlink.Route;

namespace LibCni.Netlink.Tc;

/// <summary>
/// Pure builders of the traffic-control requests the bandwidth plugin sends, laid out as <c>tc</c> and
/// <c>ip</c> lay them out; each is checked against a capture in the unit tests. Where tc sends more than the
/// kernel needs (TBF's rate table and TCA_TBF_BURST, the ratespec's cell fields) we send what the reference's
/// netlink library sends, so the kernel keeps exactly the buffer we computed.
/// </summary>
public static class TcRequests
{
    private const ushort IflaIfAlias = 20;

    /// <summary><c>tc qdisc add dev X root handle 1: tbf ...</c> with the given rate/limit/buffer.</summary>
    public static NetlinkMessageWriter NewRootTbf(int index, TbfParameters tbf)
    {
        var w = new NetlinkMessageWriter(TcConstants.NewQdisc, Nlmsg.FCreate | Nlmsg.FExcl)
            .WriteBytes(TcConstants.TcMsg(index, TcConstants.MakeHandle(1, 0), TcConstants.HandleRoot));
        w.AttributeString(TcConstants.AttrKind, "tbf");
        var options = w.BeginNested(TcConstants.AttrOptions, markNested: false);
        var parms = new byte[36];
        // struct tc_tbf_qopt: tc_ratespec rate (rate at +8), tc_ratespec peakrate, limit, buffer, mtu.
        BinaryPrimitives.WriteUInt32LittleEndian(parms.AsSpan(8), unchecked((uint)tbf.Rate));
        BinaryPrimitives.WriteUInt32LittleEndian(parms.AsSpan(24), tbf.Limit);
        BinaryPrimitives.WriteUInt32LittleEndian(parms.AsSpan(28), tbf.Buffer);
        w.Attribute(TcConstants.TbfParms, parms);
        if (tbf.Rate >= 1UL << 32)
        {
            Span<byte> rate64 = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(rate64, tbf.Rate);
            w.Attribute(TcConstants.TbfRate64, rate64);
        }

        return w.EndNested(options);
    }

    /// <summary><c>tc qdisc add dev X handle ffff: ingress</c>.</summary>
    public static NetlinkMessageWriter NewIngress(int index) =>
        new NetlinkMessageWriter(TcConstants.NewQdisc, Nlmsg.FCreate | Nlmsg.FExcl)
            .WriteBytes(TcConstants.TcMsg(index, TcConstants.MakeHandle(0xFFFF, 0), TcConstants.HandleIngress))
            .AttributeString(TcConstants.AttrKind, "ingress");

    /// <summary><c>tc qdisc del dev X root</c>.</summary>
    public static NetlinkMessageWriter DeleteRootQdisc(int index) =>
        new NetlinkMessageWriter(TcConstants.DelQdisc, 0).WriteBytes(TcConstants.TcMsg(index, 0, TcConstants.HandleRoot));

    /// <summary><c>tc qdisc del dev X ingress</c>.</summary>
    public static NetlinkMessageWriter DeleteIngressQdisc(int index) =>
        new NetlinkMessageWriter(TcConstants.DelQdisc, 0)
            .WriteBytes(TcConstants.TcMsg(index, TcConstants.MakeHandle(0xFFFF, 0), TcConstants.HandleIngress))
            .AttributeString(TcConstants.AttrKind, "ingress");

    /// <summary>
    /// <c>tc filter add dev X parent ffff: protocol all prio 1 u32 match u32 0 0 flowid 1:1 action mirred egress
    /// redirect dev IFB</c>: everything arriving on X leaves through the ifb.
    /// </summary>
    public static NetlinkMessageWriter NewRedirectFilter(int index, int ifbIndex)
    {
        var info = ((uint)1 << 16) | BinaryPrimitives.ReverseEndianness(TcConstants.EthPAll); // prio 1, protocol in network order
        var w = new NetlinkMessageWriter(TcConstants.NewFilter, Nlmsg.FCreate | Nlmsg.FExcl)
            .WriteBytes(TcConstants.TcMsg(index, 0, TcConstants.MakeHandle(0xFFFF, 0), info));
        w.AttributeString(TcConstants.AttrKind, "u32");
        var options = w.BeginNested(TcConstants.AttrOptions, markNested: false);
        w.AttributeU32(TcConstants.U32ClassId, TcConstants.MakeHandle(1, 1));
        var actions = w.BeginNested(TcConstants.U32Act, markNested: false);
        var first = w.BeginNested(1, markNested: false);
        w.AttributeString(TcConstants.ActKind, "mirred");
        var actOptions = w.BeginNested(TcConstants.ActOptions);
        var mirred = new byte[28];
        // struct tc_mirred: tc_gen (index, capab, action, refcnt, bindcnt), eaction, ifindex.
        BinaryPrimitives.WriteInt32LittleEndian(mirred.AsSpan(8), TcConstants.ActStolen);
        BinaryPrimitives.WriteInt32LittleEndian(mirred.AsSpan(20), TcConstants.EgressRedirect);
        BinaryPrimitives.WriteInt32LittleEndian(mirred.AsSpan(24), ifbIndex);
        w.Attribute(TcConstants.MirredParms, mirred);
        w.EndNested(actOptions);
        w.EndNested(first);
        w.EndNested(actions);
        // struct tc_u32_sel (16 bytes) with one all-zero key (16 bytes): terminal match-all.
        var sel = new byte[32];
        sel[0] = TcConstants.U32Terminal;
        sel[2] = 1;
        w.Attribute(TcConstants.U32Sel, sel);
        return w.EndNested(options);
    }

    /// <summary><c>tc qdisc show dev X</c>: a dump of qdiscs (the kernel may still answer for every link).</summary>
    public static NetlinkMessageWriter GetQdiscs(int index) =>
        new NetlinkMessageWriter(TcConstants.GetQdisc, 0).WriteBytes(TcConstants.TcMsg(index, 0, 0));

    /// <summary><c>ip link add NAME mtu M txqueuelen 0 up type ifb</c>. An alias must be set afterwards: the kernel ignores one here.</summary>
    public static NetlinkMessageWriter NewIfb(string name, int mtu)
    {
        var w = new NetlinkMessageWriter(Rtm.NewLink, Nlmsg.FCreate | Nlmsg.FExcl)
            .WriteBytes(RtnlRequests.IfInfoMsg(AddressFamily.Unspec, 0, Iff.Up, Iff.Up));
        if (mtu > 0)
        {
            w.AttributeU32(Ifla.Mtu, (uint)mtu);
        }

        w.AttributeU32(Ifla.TxQLen, 0);

        w.AttributeString(Ifla.IfName, name);
        var info = w.BeginNested(Ifla.LinkInfo, markNested: false);
        w.AttributeString(Ifla.InfoKind, "ifb", nulTerminated: false);
        return w.EndNested(info);
    }

    /// <summary>IFLA_IFALIAS of a link, or null.</summary>
    public static string? AliasOf(LinkInfo link) =>
        link.Attributes.Where(a => a.Type == IflaIfAlias).Select(a => a.AsString()).FirstOrDefault();
}
