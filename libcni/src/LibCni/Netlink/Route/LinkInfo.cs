using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LibCni.Netlink.Route;

/// <summary>A link as the kernel reports it in RTM_NEWLINK; attributes nobody named are kept raw.</summary>
public sealed record LinkInfo
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public ushort Type { get; init; }

    public uint Flags { get; init; }

    public int Mtu { get; init; }

    public int MasterIndex { get; init; }

    public byte[] HardwareAddress { get; init; } = [];

    /// <summary>IFLA_INFO_KIND: "veth", "bridge"... or null for devices without one (lo, physical).</summary>
    public string? Kind { get; init; }

    /// <summary>The kind with its IFLA_INFO_DATA (macvlan mode, vlan id...); null for devices without a kind.</summary>
    public LinkKind? Details { get; init; }

    /// <summary>IFLA_IFALIAS, or null when unset.</summary>
    public string? Alias { get; init; }

    /// <summary>IFLA_LINK_NETNSID: set when <see cref="PeerIndex"/> is an index in another namespace.</summary>
    public int? LinkNetnsId { get; init; }

    public byte OperState { get; init; }

    /// <summary>IFLA_LINK: for a veth, the peer's ifindex (in the peer's netns); for macvlan, ipvlan and vlan, the parent's.</summary>
    public int PeerIndex { get; init; }

    /// <summary>IFLA_PROMISCUITY: how many holders asked for promiscuous mode.</summary>
    public uint Promiscuity { get; init; }

    /// <summary>IFLA_TXQLEN: the transmit queue length.</summary>
    public int TxQueueLength { get; init; }

    public bool IsPromiscuous => (Flags & Iff.Promisc) != 0;

    public bool IsAllMulticast => (Flags & Iff.AllMulti) != 0;

    /// <summary>
    /// IF_OPER_UP (6): what a veth port reaches once both ends are up. Devices without carrier reporting (dummy,
    /// tap, loopback) stay IF_OPER_UNKNOWN (0) when up; check <see cref="IsUp"/> for those.
    /// </summary>
    public bool IsOperationallyUp => OperState is 6;

    public bool IsUp => (Flags & Iff.Up) != 0;

    public string Mac => FormatMac(HardwareAddress);

    public IReadOnlyList<NetlinkAttribute> Attributes { get; init; } = [];

    public static string FormatMac(ReadOnlySpan<byte> address)
    {
        var builder = new StringBuilder(address.Length * 3);
        foreach (var b in address)
        {
            if (builder.Length > 0)
            {
                builder.Append(':');
            }

            builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>Decodes ifinfomsg (16 bytes) plus attributes.</summary>
    public static LinkInfo Parse(NetlinkMessage message)
    {
        var span = message.Payload.Span;
        if (span.Length < 16)
        {
            throw new InvalidDataException("truncated ifinfomsg");
        }

        var attributes = NetlinkAttribute.ParseAll(message.Payload[16..]);
        string name = "";
        int mtu = 0, master = 0, peer = 0, txQueueLength = 0;
        uint promiscuity = 0;
        byte operState = 0;
        byte[] mac = [];
        string? kind = null, alias = null;
        int? linkNetnsId = null;
        ReadOnlyMemory<byte> kindData = default;
        foreach (var attribute in attributes)
        {
            switch (attribute.Type)
            {
                case Ifla.IfName: name = attribute.AsString(); break;
                case Ifla.Mtu: mtu = (int)attribute.AsU32(); break;
                case Ifla.Master: master = (int)attribute.AsU32(); break;
                case Ifla.TxQLen: txQueueLength = (int)attribute.AsU32(); break;
                case Ifla.Address: mac = attribute.Value.ToArray(); break;
                case Ifla.OperState: operState = attribute.AsU8(); break;
                case Ifla.Link: peer = (int)attribute.AsU32(); break;
                case Ifla.Promiscuity: promiscuity = attribute.AsU32(); break;
                case Ifla.IfAlias: alias = attribute.AsString(); break;
                case Ifla.LinkNetNsId: linkNetnsId = (int)attribute.AsU32(); break;
                case Ifla.LinkInfo:
                    foreach (var info in NetlinkAttribute.ParseAll(attribute.Value))
                    {
                        if (info.Type == Ifla.InfoKind)
                        {
                            kind = info.AsString();
                        }
                        else if (info.Type == Ifla.InfoData)
                        {
                            kindData = info.Value;
                        }
                    }

                    break;
            }
        }

        return new LinkInfo
        {
            Type = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]),
            Index = BinaryPrimitives.ReadInt32LittleEndian(span[4..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
            Name = name,
            Mtu = mtu,
            MasterIndex = master,
            HardwareAddress = mac,
            Kind = kind,
            Details = kind is null ? null : LinkKind.Parse(kind, kindData),
            Alias = string.IsNullOrEmpty(alias) ? null : alias,
            LinkNetnsId = linkNetnsId,
            OperState = operState,
            PeerIndex = peer,
            Promiscuity = promiscuity,
            TxQueueLength = txQueueLength,
            Attributes = attributes,
        };
    }
}
