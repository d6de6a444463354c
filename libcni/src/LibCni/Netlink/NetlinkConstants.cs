namespace LibCni.Netlink;

/// <summary>Netlink header types and flags (linux/netlink.h).</summary>
public static class Nlmsg
{
    public const int HeaderLength = 16;

    public const ushort Noop = 1;
    public const ushort Error = 2;
    public const ushort Done = 3;
    public const ushort Overrun = 4;

    public const ushort FRequest = 0x1;
    public const ushort FMulti = 0x2;
    public const ushort FAck = 0x4;
    public const ushort FEcho = 0x8;
    public const ushort FDumpIntr = 0x10;
    public const ushort FRoot = 0x100;
    public const ushort FMatch = 0x200;
    public const ushort FDump = FRoot | FMatch;
    public const ushort FReplace = 0x100;
    public const ushort FExcl = 0x200;
    public const ushort FCreate = 0x400;
    public const ushort FAppend = 0x800;

    // Flags of an NLMSG_ERROR reply.
    public const ushort FCapped = 0x100;
    public const ushort FAckTlvs = 0x200;

    // struct nlmsgerr TLVs.
    public const ushort ErrAttrMsg = 1;
    public const ushort ErrAttrOffset = 2;

    public const ushort AttrNested = 0x8000;
    public const ushort AttrByteOrder = 0x4000;
    public const ushort AttrTypeMask = 0x3FFF;

    public static int Align(int length) => (length + 3) & ~3;
}
