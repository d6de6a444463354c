using System.Buffers.Binary;
using System.Text;

namespace LibCni.Netlink;

/// <summary>One received netlink message: header fields and the payload after the header.</summary>
public sealed record NetlinkMessage(ushort Type, ushort Flags, uint Sequence, uint PortId, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Splits a datagram into messages; a truncated or malformed one ends the split with an error.</summary>
    public static List<NetlinkMessage> ParseAll(ReadOnlyMemory<byte> datagram)
    {
        var messages = new List<NetlinkMessage>();
        var offset = 0;
        while (datagram.Length - offset >= Nlmsg.HeaderLength)
        {
            var span = datagram.Span[offset..];
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
            if (length < Nlmsg.HeaderLength || length > span.Length)
            {
                throw new InvalidDataException($"malformed netlink message: length {length} with {span.Length} bytes left");
            }

            messages.Add(new NetlinkMessage(
                BinaryPrimitives.ReadUInt16LittleEndian(span[4..]),
                BinaryPrimitives.ReadUInt16LittleEndian(span[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(span[12..]),
                datagram.Slice(offset + Nlmsg.HeaderLength, length - Nlmsg.HeaderLength)));
            offset += Nlmsg.Align(length);
        }

        return messages;
    }
}

/// <summary>A netlink attribute: type (flags stripped) and value.</summary>
public readonly record struct NetlinkAttribute(ushort Type, ReadOnlyMemory<byte> Value)
{
    public bool IsNested { get; init; }

    public uint AsU32() => BinaryPrimitives.ReadUInt32LittleEndian(Value.Span);

    public ushort AsU16() => BinaryPrimitives.ReadUInt16LittleEndian(Value.Span);

    public byte AsU8() => Value.Span[0];

    public uint AsU32BigEndian() => BinaryPrimitives.ReadUInt32BigEndian(Value.Span);

    public ulong AsU64BigEndian() => BinaryPrimitives.ReadUInt64BigEndian(Value.Span);

    /// <summary>A string attribute, trailing NUL removed.</summary>
    public string AsString()
    {
        var span = Value.Span;
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>Parses a run of attributes. Unknown types are kept; a malformed tail stops the parse.</summary>
    public static List<NetlinkAttribute> ParseAll(ReadOnlyMemory<byte> data)
    {
        var attributes = new List<NetlinkAttribute>();
        var offset = 0;
        while (data.Length - offset >= 4)
        {
            var span = data.Span[offset..];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(span);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]);
            if (length < 4 || length > span.Length)
            {
                break;
            }

            attributes.Add(new NetlinkAttribute((ushort)(type & Nlmsg.AttrTypeMask), data.Slice(offset + 4, length - 4))
            {
                IsNested = (type & Nlmsg.AttrNested) != 0,
            });
            offset += Nlmsg.Align(length);
        }

        return attributes;
    }
}
