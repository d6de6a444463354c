using System.Buffers.Binary;

namespace LibCni.Netlink.Tc;

/// <summary>Traffic-control message types, handles and attribute numbers (linux/rtnetlink.h, pkt_sched.h, pkt_cls.h).</summary>
public static class TcConstants
{
    public const ushort NewQdisc = 36;
    public const ushort DelQdisc = 37;
    public const ushort GetQdisc = 38;
    public const ushort NewFilter = 44;

    public const ushort AttrKind = 1;
    public const ushort AttrOptions = 2;

    public const uint HandleRoot = 0xFFFFFFFF;
    public const uint HandleIngress = 0xFFFFFFF1;

    public const ushort TbfParms = 1;
    public const ushort TbfRate64 = 4;

    public const ushort U32ClassId = 1;
    public const ushort U32Sel = 5;
    public const ushort U32Act = 7;
    public const byte U32Terminal = 1;

    public const ushort ActKind = 1;
    public const ushort ActOptions = 2;
    public const ushort MirredParms = 2;
    public const int ActStolen = 4;
    public const int EgressRedirect = 1;

    public const ushort EthPAll = 0x0003;

    /// <summary>TC_H_MAKE(major &lt;&lt; 16, minor), as <c>1:1</c> or <c>ffff:</c>.</summary>
    public static uint MakeHandle(ushort major, ushort minor) => ((uint)major << 16) | minor;

    /// <summary>struct tcmsg: family, ifindex, handle, parent, info (20 bytes).</summary>
    public static byte[] TcMsg(int index, uint handle, uint parent, uint info = 0)
    {
        var bytes = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), handle);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), parent);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), info);
        return bytes;
    }
}
