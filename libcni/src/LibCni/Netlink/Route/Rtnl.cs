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
}

public static class Ifla
{
    public const ushort Address = 1;
    public const ushort Broadcast = 2;
    public const ushort IfName = 3;
    public const ushort Mtu = 4;
    public const ushort Link = 5;
    public const ushort Master = 10;
    public const ushort OperState = 16;
    public const ushort LinkInfo = 18;
    public const ushort NetNsPid = 19;
    public const ushort NetNsFd = 28;
    public const ushort ExtMask = 29;
    public const ushort Promiscuity = 30;

    public const ushort InfoKind = 1;
    public const ushort InfoData = 2;
}

public static class Ifa
{
    public const ushort Address = 1;
    public const ushort Local = 2;
    public const ushort Label = 3;
    public const ushort Flags = 8;
}

/// <summary>Interface flags (linux/if.h).</summary>
public static class Iff
{
    public const uint Up = 0x1;
    public const uint Loopback = 0x8;
    public const uint Running = 0x40;
    public const uint Promisc = 0x100;
    public const uint LowerUp = 0x10000;
}

public static class AddressFamily
{
    public const byte Unspec = 0;
    public const byte Inet = 2;
    public const byte Inet6 = 10;
}
