using System.Buffers.Binary;

namespace LibCni.Netlink.Tc;

/// <summary>A qdisc as RTM_NEWQDISC reports it; <see cref="Tbf"/> is set for kind "tbf".</summary>
public sealed record QdiscInfo(int Index, uint Handle, uint Parent, string Kind, TbfParameters? Tbf)
{
    public bool IsRoot => Parent == TcConstants.HandleRoot;

    public static QdiscInfo Parse(NetlinkMessage message)
    {
        var span = message.Payload.Span;
        if (span.Length < 20)
        {
            throw new InvalidDataException("truncated tcmsg");
        }

        var kind = "";
        NetlinkAttribute? options = null;
        foreach (var attribute in NetlinkAttribute.ParseAll(message.Payload[20..]))
        {
            if (attribute.Type == TcConstants.AttrKind)
            {
                kind = attribute.AsString();
            }
            else if (attribute.Type == TcConstants.AttrOptions)
            {
                options = attribute;
            }
        }

        return new QdiscInfo(
            BinaryPrimitives.ReadInt32LittleEndian(span[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[12..]),
            kind,
            kind == "tbf" && options is { } o ? ParseTbf(o.Value) : null);
    }

    private static TbfParameters? ParseTbf(ReadOnlyMemory<byte> options)
    {
        ulong? rate = null, rate64 = null;
        uint limit = 0, buffer = 0;
        foreach (var attribute in NetlinkAttribute.ParseAll(options))
        {
            var value = attribute.Value.Span;
            if (attribute.Type == TcConstants.TbfParms && value.Length >= 32)
            {
                rate = BinaryPrimitives.ReadUInt32LittleEndian(value[8..]);
                limit = BinaryPrimitives.ReadUInt32LittleEndian(value[24..]);
                buffer = BinaryPrimitives.ReadUInt32LittleEndian(value[28..]);
            }
            else if (attribute.Type == TcConstants.TbfRate64 && value.Length >= 8)
            {
                rate64 = BinaryPrimitives.ReadUInt64LittleEndian(value);
            }
        }

        return rate is null ? null : new TbfParameters(rate64 ?? rate.Value, limit, buffer);
    }
}
