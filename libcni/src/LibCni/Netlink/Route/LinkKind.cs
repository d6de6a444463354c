using System.Buffers.Binary;

namespace LibCni.Netlink.Route;

/// <summary>
/// A link kind with its IFLA_INFO_DATA, as created and as read back: what <c>ip link add ... type K ...</c> sends,
/// and what CHECK compares. Kinds nobody models read back as <see cref="OtherKind"/>.
/// </summary>
public abstract record LinkKind(string Name)
{
    /// <summary>Whether creating one sends IFLA_INFO_DATA.</summary>
    internal virtual bool HasData => false;

    /// <summary>Writes the IFLA_INFO_DATA attributes, in iproute2's order.</summary>
    internal virtual void WriteData(NetlinkMessageWriter w)
    {
    }

    /// <summary>The typed kind of IFLA_INFO_KIND <paramref name="kind"/> with its IFLA_INFO_DATA (may be empty).</summary>
    public static LinkKind Parse(string kind, ReadOnlyMemory<byte> data)
    {
        var attributes = NetlinkAttribute.ParseAll(data);
        uint U32(ushort type) => attributes.FirstOrDefault(a => a.Type == type) is { } a && a.Value.Length >= 4 ? a.AsU32() : 0;
        ushort U16(ushort type) => attributes.FirstOrDefault(a => a.Type == type) is { } a && a.Value.Length >= 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(a.Value.Span) : (ushort)0;
        return kind switch
        {
            "macvlan" or "macvtap" => new MacvlanKind((MacvlanMode)U32(MacvlanKind.IflaMode), U32(MacvlanKind.IflaBcQueueLen)) { Tap = kind == "macvtap" },
            "ipvlan" => new IpvlanKind((IpvlanMode)U16(IpvlanKind.IflaMode)),
            "vlan" => new VlanKind(U16(VlanKind.IflaId)),
            "dummy" => new DummyKind(),
            "vrf" => new VrfKind((int)U32(VrfKind.IflaTable)),
            _ => new OtherKind(kind),
        };
    }
}

/// <summary>macvlan modes (linux/if_link.h MACVLAN_MODE_*), named as the CNI config names them.</summary>
public enum MacvlanMode : uint
{
    Private = 1,
    Vepa = 2,
    Bridge = 4,
    Passthru = 8,
    Source = 16,
}

/// <summary>ipvlan modes (IPVLAN_MODE_*).</summary>
public enum IpvlanMode : ushort
{
    L2 = 0,
    L3 = 1,
    L3s = 2,
}

/// <summary><c>type macvlan mode M [bcqueuelen N]</c>; 0 leaves the kernel's broadcast queue length.</summary>
public sealed record MacvlanKind(MacvlanMode Mode, uint BroadcastQueueLength = 0) : LinkKind("macvlan")
{
    internal const ushort IflaMode = 1;
    internal const ushort IflaBcQueueLen = 7;

    internal override bool HasData => true;

    /// <summary>Read back from a macvtap (same data, another kind).</summary>
    public bool Tap { get; init; }

    internal override void WriteData(NetlinkMessageWriter w)
    {
        if (BroadcastQueueLength > 0)
        {
            w.AttributeU32(IflaBcQueueLen, BroadcastQueueLength);
        }

        w.AttributeU32(IflaMode, (uint)Mode);
    }
}

/// <summary><c>type ipvlan mode M</c> (flags 0: the default bridge behaviour).</summary>
public sealed record IpvlanKind(IpvlanMode Mode) : LinkKind("ipvlan")
{
    internal const ushort IflaMode = 1;
    internal const ushort IflaFlags = 2;

    internal override bool HasData => true;

    internal override void WriteData(NetlinkMessageWriter w)
    {
        w.AttributeU16(IflaMode, (ushort)Mode);
        w.AttributeU16(IflaFlags, 0);
    }
}

/// <summary><c>type vlan id N</c>, 802.1Q (the kernel's default protocol).</summary>
public sealed record VlanKind(int Id) : LinkKind("vlan")
{
    internal const ushort IflaId = 1;

    internal override bool HasData => true;

    internal override void WriteData(NetlinkMessageWriter w) => w.AttributeU16(IflaId, (ushort)Id);
}

public sealed record DummyKind() : LinkKind("dummy");

/// <summary><c>type vrf table T</c>: an L3 master device whose routes live in table T.</summary>
public sealed record VrfKind(int Table) : LinkKind("vrf")
{
    internal const ushort IflaTable = 1;

    internal override bool HasData => true;

    internal override void WriteData(NetlinkMessageWriter w) => w.AttributeU32(IflaTable, (uint)Table);
}

/// <summary>A kind read back that nothing here models (veth, bridge, tun...): its name only.</summary>
public sealed record OtherKind(string Kind) : LinkKind(Kind);

/// <summary>
/// A link to create: <c>ip link add [link PARENT] name NAME [mtu N] [address MAC] [netns NS] type KIND ...</c>.
/// <see cref="ParentIndex"/> is an ifindex in the namespace of the socket that sends it; <see cref="NetnsFd"/>
/// places the new link straight into another namespace.
/// </summary>
public sealed record LinkSpec(string Name, LinkKind Kind)
{
    public int ParentIndex { get; init; }

    public int Mtu { get; init; }

    public byte[]? Mac { get; init; }

    public int? NetnsFd { get; init; }
}
