namespace LibCni.Netlink.Route;

/// <summary>rtnetlink message types, attribute numbers and flags (linux/rtnetlink.h, if_link.h, if_addr.h).</summary>
public static class Rtm
{
    public const ushort NewLink = 16;
    public const ushort DelLink = 17;
    public const ushort GetLink = 18;
    public const ushort NewAddr = 20;
    public const ushort DelAddr = 21;
    public const ushort GetAddr = 22;
    public const ushort NewRoute = 24;
    public const ushort DelRoute = 25;
    public const ushort GetRoute = 26;
    public const ushort NewRule = 32;
    public const ushort DelRule = 33;
    public const ushort GetRule = 34;
    public const ushort SetLink = 19;
}

/// <summary>Route message constants (linux/rtnetlink.h).</summary>
public static class Rta
{
    public const ushort Dst = 1;
    public const ushort Src = 2;
    public const ushort Oif = 4;
    public const ushort Gateway = 5;
    public const ushort Priority = 6;
    public const ushort PrefSrc = 7;
    public const ushort Metrics = 8;
    public const ushort Table = 15;

    public const ushort MetricMtu = 2;
    public const ushort MetricAdvMss = 8;

    public const byte TableMain = 254;
    public const byte ProtocolBoot = 3;
    public const byte ScopeUniverse = 0;
    public const byte ScopeLink = 253;
    public const byte ScopeHost = 254;
    public const byte ScopeNowhere = 255;
    public const byte TypeUnicast = 1;
}

/// <summary>Bridge port attributes and VLAN info flags (linux/if_bridge.h, if_link.h).</summary>
public static class Bridge
{
    public const byte AfBridge = 7;
    public const ushort IflaBrVlanFiltering = 7;
    public const ushort IflaBrportMode = 4;
    public const ushort IflaBrportIsolated = 33;
    public const ushort IflaAfSpec = 26;
    public const ushort IflaBridgeVlanInfo = 2;
    public const ushort VlanInfoPvid = 0x2;
    public const ushort VlanInfoUntagged = 0x4;
    public const ushort VlanInfoRangeBegin = 0x8;
    public const ushort VlanInfoRangeEnd = 0x10;
    public const ushort VethInfoPeer = 1;
}

public static class Ifla
{
    public const ushort Address = 1;
    public const ushort Broadcast = 2;
    public const ushort IfName = 3;
    public const ushort Mtu = 4;
    public const ushort Link = 5;
    public const ushort Master = 10;
    public const ushort TxQLen = 13;
    public const ushort IfAlias = 20;
    public const ushort OperState = 16;
    public const ushort LinkInfo = 18;
    public const ushort NetNsPid = 19;
    public const ushort NetNsFd = 28;
    public const ushort ExtMask = 29;
    public const ushort Promiscuity = 30;
    public const ushort LinkNetNsId = 37;
    public const ushort ProtInfo = 12;

    public const ushort InfoKind = 1;
    public const ushort InfoData = 2;
    public const ushort InfoSlaveKind = 4;
    public const ushort InfoSlaveData = 5;
}

public static class Ifa
{
    public const ushort Address = 1;
    public const ushort Local = 2;
    public const ushort Label = 3;
    public const ushort Broadcast = 4;
    public const ushort Flags = 8;

    public const byte FlagNoDad = 0x02;
    public const uint FlagTentative = 0x40;
    public const uint FlagDadFailed = 0x08;
}

/// <summary>Interface flags (linux/if.h).</summary>
public static class Iff
{
    public const uint Up = 0x1;
    public const uint Loopback = 0x8;
    public const uint Running = 0x40;
    public const uint Promisc = 0x100;
    public const uint AllMulti = 0x200;
    public const uint LowerUp = 0x10000;
}

public static class AddressFamily
{
    public const byte Unspec = 0;
    public const byte Inet = 2;
    public const byte Inet6 = 10;
}

/// <summary>Policy-routing rule constants (linux/fib_rules.h).</summary>
public static class Fra
{
    public const ushort Dst = 1;
    public const ushort Src = 2;
    public const ushort IifName = 3;
    public const ushort Priority = 6;
    public const ushort Table = 15;
    public const ushort OifName = 17;

    public const byte ActionToTable = 1;
}
