using System.Buffers.Binary;
using System.Text;

namespace LibCni.Netlink;

/// <summary>
/// Builds one netlink message: header, fixed family header, then attributes. Nested attributes use a
/// start token whose length <see cref="EndNested"/> patches, so a forgotten end is caught at <see cref="Finish"/>.
/// </summary>
public sealed class NetlinkMessageWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;
    private int _openNests;

    public NetlinkMessageWriter(ushort type, ushort flags)
    {
        Type = type;
        Flags = flags;
        _length = Nlmsg.HeaderLength;
    }

    public ushort Type { get; }

    public ushort Flags { get; set; }

    /// <summary>Appends raw bytes (a family header such as ifinfomsg), padded to 4 bytes.</summary>
    public NetlinkMessageWriter WriteBytes(ReadOnlySpan<byte> bytes)
    {
        var span = Grow(Nlmsg.Align(bytes.Length));
        bytes.CopyTo(span);
        return this;
    }

    public NetlinkMessageWriter Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        var header = Grow(4);
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        var body = Grow(Nlmsg.Align(value.Length));
        value.CopyTo(body);
        return this;
    }

    public NetlinkMessageWriter AttributeU8(ushort type, byte value) => Attribute(type, [value]);

    public NetlinkMessageWriter AttributeU16(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessageWriter AttributeU16BigEndian(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessageWriter AttributeU32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessageWriter AttributeU32BigEndian(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessageWriter AttributeU64BigEndian(ushort type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return Attribute(type, bytes);
    }

    /// <summary>A string attribute, NUL-terminated unless the receiver wants it bare (iproute2 sends link kinds bare).</summary>
    public NetlinkMessageWriter AttributeString(ushort type, string value, bool nulTerminated = true)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + (nulTerminated ? 1 : 0)];
        Encoding.UTF8.GetBytes(value, bytes);
        return Attribute(type, bytes);
    }

    /// <summary>
    /// Opens a nested attribute. rtnetlink accepts nests without NLA_F_NESTED and iproute2 sends them so;
    /// nfnetlink wants the flag.
    /// </summary>
    public NestToken BeginNested(ushort type, bool markNested = true)
    {
        var start = _length;
        var header = Grow(4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], markNested ? (ushort)(type | Nlmsg.AttrNested) : type);
        _openNests++;
        return new NestToken(start);
    }

    public NetlinkMessageWriter EndNested(NestToken token)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(token.Offset), (ushort)(_length - token.Offset));
        _openNests--;
        return this;
    }

    /// <summary>The finished message with its length, sequence number and port ID filled in.</summary>
    public byte[] Finish(uint sequence, uint portId = 0)
    {
        if (_openNests != 0)
        {
            throw new InvalidOperationException($"netlink message has {_openNests} unclosed nested attribute(s)");
        }

        var span = _buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)_length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], portId);
        return _buffer[.._length];
    }

    private Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        span.Clear();
        _length += count;
        return span;
    }
}

/// <summary>Where a nested attribute started; handed back to <see cref="NetlinkMessageWriter.EndNested"/>.</summary>
public readonly record struct NestToken(int Offset);
