namespace LibCni.Netfilter;

/// <summary>nftables address families: the nfgenmsg family byte (NFPROTO_*).</summary>
public enum NftFamily : byte
{
    Inet = 1,
    Ip = 2,
    Arp = 3,
    Netdev = 5,
    Bridge = 7,
    Ip6 = 10,
}

/// <summary>Netfilter hooks a base chain attaches to (NF_INET_*; the bridge family uses the same numbers).</summary>
public enum NftHook : uint
{
    Prerouting = 0,
    Input = 1,
    Forward = 2,
    Output = 3,
    Postrouting = 4,
}

/// <summary>A base chain's default verdict.</summary>
public enum NftPolicy : uint
{
    Drop = 0,
    Accept = 1,
}

/// <summary>Well-known base chain priorities, as nft's names for them resolve in the ip/ip6/inet families.</summary>
public static class NftPriority
{
    public const int Raw = -300;
    public const int Mangle = -150;
    public const int DstNat = -100;
    public const int Filter = 0;
    public const int Security = 50;
    public const int SrcNat = 100;
}

/// <summary>Numbers of the nfnetlink and nf_tables uapi (linux/netfilter/nfnetlink.h, nf_tables.h).</summary>
internal static class Nfnl
{
    public const ushort BatchBegin = 0x10;
    public const ushort BatchEnd = 0x11;
    public const byte SubsysNftables = 10;

    public static ushort NftType(NftMessageType type) => (ushort)((SubsysNftables << 8) | (ushort)type);
}

/// <summary>NFT_MSG_* command numbers.</summary>
public enum NftMessageType : byte
{
    NewTable = 0,
    GetTable = 1,
    DelTable = 2,
    NewChain = 3,
    GetChain = 4,
    DelChain = 5,
    NewRule = 6,
    GetRule = 7,
    DelRule = 8,
    NewSet = 9,
    GetSet = 10,
    DelSet = 11,
    NewSetElem = 12,
    GetSetElem = 13,
    DelSetElem = 14,
}

internal static class TableAttr
{
    public const ushort Name = 1;
    public const ushort Flags = 2;
    public const ushort Use = 3;
    public const ushort Handle = 4;
    public const ushort UserData = 6;
}

internal static class ChainAttr
{
    public const ushort Table = 1;
    public const ushort Handle = 2;
    public const ushort Name = 3;
    public const ushort Hook = 4;
    public const ushort Policy = 5;
    public const ushort Use = 6;
    public const ushort Type = 7;
    public const ushort Counters = 8;
    public const ushort Flags = 10;
    public const ushort UserData = 12;
}

internal static class HookAttr
{
    public const ushort HookNum = 1;
    public const ushort Priority = 2;
    public const ushort Device = 3;
}

internal static class RuleAttr
{
    public const ushort Table = 1;
    public const ushort Chain = 2;
    public const ushort Handle = 3;
    public const ushort Expressions = 4;
    public const ushort Position = 6;
    public const ushort UserData = 7;
}

internal static class ListAttr
{
    public const ushort Element = 1;
}

internal static class ExprAttr
{
    public const ushort Name = 1;
    public const ushort Data = 2;
}

internal static class DataAttr
{
    public const ushort Value = 1;
    public const ushort Verdict = 2;
}

internal static class VerdictAttr
{
    public const ushort Code = 1;
    public const ushort Chain = 2;
}

internal static class SetAttr
{
    public const ushort Table = 1;
    public const ushort Name = 2;
    public const ushort Flags = 3;
    public const ushort KeyType = 4;
    public const ushort KeyLen = 5;
    public const ushort Id = 10;
    public const ushort UserData = 13;
}

internal static class SetElemListAttr
{
    public const ushort Table = 1;
    public const ushort Set = 2;
    public const ushort Elements = 3;
    public const ushort SetId = 4;
}

internal static class SetElemAttr
{
    public const ushort Key = 1;
}

/// <summary>Userdata TLV types nft writes (libnftnl udata.h): the comment is type 0 in tables, chains and rules.</summary>
internal static class UserDataType
{
    public const byte Comment = 0;
    public const byte SetKeyByteOrder = 0;
}
