using System.Buffers.Binary;

namespace CniPlugins.Dhcp.Gob;

/// <summary>gob's integer forms: an unsigned below 128 is one byte, else a negated byte count and big-endian bytes.</summary>
internal static class GobWire
{
    public static void WriteUint(List<byte> output, ulong value)
    {
        if (value < 0x80)
        {
            output.Add((byte)value);
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var skip = 0;
        while (bytes[skip] == 0)
        {
            skip++;
        }

        output.Add((byte)-(8 - skip));
        foreach (var b in bytes[skip..])
        {
            output.Add(b);
        }
    }

    /// <summary>The sign goes in bit 0; a negative value is complemented first.</summary>
    public static void WriteInt(List<byte> output, long value) =>
        WriteUint(output, value < 0 ? ((ulong)~value << 1) | 1 : (ulong)value << 1);

    public static void WriteBytes(List<byte> output, ReadOnlySpan<byte> bytes)
    {
        WriteUint(output, (ulong)bytes.Length);
        foreach (var b in bytes)
        {
            output.Add(b);
        }
    }

    public static long ToInt(ulong wire) => (wire & 1) != 0 ? ~(long)(wire >> 1) : (long)(wire >> 1);
}

/// <summary>Reads gob integers and byte strings out of one message.</summary>
internal ref struct GobReader(ReadOnlySpan<byte> message)
{
    private readonly ReadOnlySpan<byte> _message = message;
    private int _at;

    public readonly bool AtEnd => _at >= _message.Length;

    public ulong ReadUint()
    {
        var first = Next();
        if (first < 0x80)
        {
            return first;
        }

        var count = -(sbyte)first;
        if (count > 8)
        {
            throw new GobException($"gob: uint with {count} bytes");
        }

        ulong value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 8) | Next();
        }

        return value;
    }

    public long ReadInt() => GobWire.ToInt(ReadUint());

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadUint();
        if (length > (ulong)(_message.Length - _at))
        {
            throw new GobException($"gob: {length}-byte string in a message with {_message.Length - _at} left");
        }

        var bytes = _message.Slice(_at, (int)length);
        _at += (int)length;
        return bytes;
    }

    private byte Next() => _at < _message.Length ? _message[_at++] : throw new GobException("gob: message ends inside a value");
}
