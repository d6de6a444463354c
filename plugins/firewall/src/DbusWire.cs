using System.Buffers.Binary;
using System.Text;

namespace CniPlugins.Firewall;

/// <summary>A D-Bus message as far as firewall needs it: method calls out, replies and errors in.</summary>
public sealed record DbusMessage(DbusMessageType Type, uint Serial, uint? ReplySerial, string? ErrorName, string Signature, byte[] Body, bool BigEndian)
{
    /// <summary>The body's first argument as a string (signature "s..."), or null when it is not one.</summary>
    public string? FirstString()
    {
        if (!Signature.StartsWith('s') || Body.Length < 4)
        {
            return null;
        }

        var length = (int)DbusWire.ReadUInt32(Body, 0, BigEndian);
        return length <= Body.Length - 5 ? Encoding.UTF8.GetString(Body, 4, length) : null;
    }

    /// <summary>The body's first argument as a boolean (signature "b...").</summary>
    public bool FirstBool() =>
        Signature.StartsWith('b') && Body.Length >= 4
            ? DbusWire.ReadUInt32(Body, 0, BigEndian) != 0
            : throw new IOException($"D-Bus reply has signature \"{Signature}\", expected a boolean");
}

public enum DbusMessageType : byte
{
    MethodCall = 1,
    MethodReturn = 2,
    Error = 3,
    Signal = 4,
}

/// <summary>
/// The D-Bus wire format (the specification's "Message Protocol"): a 16-byte fixed header, the header fields as
/// an array of (code, variant) structs, padding to 8, then the body, every value aligned to its size from the
/// start of the message. We write little-endian and read either byte order.
/// </summary>
public static class DbusWire
{
    public const int FixedHeaderLength = 16;
    private const int MaxMessageLength = 1 << 20;

    private const byte FieldPath = 1;
    private const byte FieldInterface = 2;
    private const byte FieldMember = 3;
    private const byte FieldErrorName = 4;
    private const byte FieldReplySerial = 5;
    private const byte FieldDestination = 6;
    private const byte FieldSignature = 8;

    /// <summary>A method call whose arguments are all strings (signature "s" repeated).</summary>
    public static byte[] MethodCall(uint serial, string destination, string path, string @interface, string member, params string[] args)
    {
        var body = new Writer(0);
        foreach (var arg in args)
        {
            body.String(arg);
        }

        var message = new Writer(0);
        message.Byte((byte)'l').Byte((byte)DbusMessageType.MethodCall).Byte(0).Byte(1);
        message.UInt32((uint)body.Length).UInt32(serial);
        var fields = new Writer(FixedHeaderLength);
        fields.Field(FieldPath, 'o', path).Field(FieldDestination, 's', destination).Field(FieldInterface, 's', @interface)
            .Field(FieldMember, 's', member);
        if (args.Length > 0)
        {
            fields.Field(FieldSignature, 'g', new string('s', args.Length));
        }

        message.UInt32((uint)fields.Length).Raw(fields.ToArray()).Pad(8).Raw(body.ToArray());
        return message.ToArray();
    }

    /// <summary>How many bytes the message starting with <paramref name="fixedHeader"/> (its first 16) has in all.</summary>
    public static int TotalLength(ReadOnlySpan<byte> fixedHeader)
    {
        var bigEndian = ByteOrder(fixedHeader[0]);
        var body = ReadUInt32(fixedHeader, 4, bigEndian);
        var fields = ReadUInt32(fixedHeader, 12, bigEndian);
        var total = Align(FixedHeaderLength + (long)fields, 8) + body;
        return total <= MaxMessageLength ? (int)total : throw new IOException($"D-Bus message of {total} bytes refused");
    }

    public static DbusMessage Parse(byte[] message)
    {
        var bigEndian = ByteOrder(message[0]);
        var type = (DbusMessageType)message[1];
        var bodyLength = (int)ReadUInt32(message, 4, bigEndian);
        var serial = ReadUInt32(message, 8, bigEndian);
        var fieldsEnd = FixedHeaderLength + (int)ReadUInt32(message, 12, bigEndian);
        uint? replySerial = null;
        string? errorName = null;
        var signature = "";
        var at = FixedHeaderLength;
        while (at < fieldsEnd)
        {
            at = (int)Align(at, 8);
            var code = message[at++];
            var valueType = SignatureAt(message, ref at);
            switch (valueType)
            {
                case "u":
                    at = (int)Align(at, 4);
                    var number = ReadUInt32(message, at, bigEndian);
                    at += 4;
                    if (code == FieldReplySerial)
                    {
                        replySerial = number;
                    }

                    break;
                case "s" or "o":
                    var text = StringAt(message, ref at, bigEndian);
                    if (code == FieldErrorName)
                    {
                        errorName = text;
                    }

                    break;
                case "g":
                    var g = SignatureAt(message, ref at);
                    if (code == FieldSignature)
                    {
                        signature = g;
                    }

                    break;
                default:
                    throw new IOException($"D-Bus header field {code} has type \"{valueType}\"");
            }
        }

        var bodyStart = (int)Align(fieldsEnd, 8);
        if (bodyStart + bodyLength > message.Length)
        {
            throw new IOException("D-Bus message shorter than its header says");
        }

        return new DbusMessage(type, serial, replySerial, errorName, signature, message[bodyStart..(bodyStart + bodyLength)], bigEndian);
    }

    internal static uint ReadUInt32(ReadOnlySpan<byte> data, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);

    private static bool ByteOrder(byte marker) => marker switch
    {
        (byte)'l' => false,
        (byte)'B' => true,
        _ => throw new IOException($"not a D-Bus message (byte order 0x{marker:x2})"),
    };

    private static long Align(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;

    private static string SignatureAt(byte[] message, ref int at)
    {
        var length = message[at];
        var text = Encoding.ASCII.GetString(message, at + 1, length);
        at += length + 2;
        return text;
    }

    private static string StringAt(byte[] message, ref int at, bool bigEndian)
    {
        at = (int)Align(at, 4);
        var length = (int)ReadUInt32(message, at, bigEndian);
        var text = Encoding.UTF8.GetString(message, at + 4, length);
        at += 4 + length + 1;
        return text;
    }

    /// <summary>Appends values with the alignment they would have at <paramref name="origin"/> bytes into a message.</summary>
    private sealed class Writer(int origin)
    {
        private readonly List<byte> _bytes = [];

        public int Length => _bytes.Count;

        public byte[] ToArray() => [.. _bytes];

        public Writer Byte(byte value)
        {
            _bytes.Add(value);
            return this;
        }

        public Writer Raw(byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public Writer Pad(int alignment)
        {
            while ((origin + _bytes.Count) % alignment != 0)
            {
                _bytes.Add(0);
            }

            return this;
        }

        public Writer UInt32(uint value)
        {
            Pad(4);
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
            _bytes.AddRange(buffer);
            return this;
        }

        public Writer String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            UInt32((uint)bytes.Length).Raw(bytes).Byte(0);
            return this;
        }

        public Writer Signature(string value)
        {
            Byte((byte)value.Length).Raw(Encoding.ASCII.GetBytes(value)).Byte(0);
            return this;
        }

        /// <summary>A header field: struct (code, variant of a string-like type).</summary>
        public Writer Field(byte code, char type, string value)
        {
            Pad(8).Byte(code).Signature(type.ToString());
            return type == 'g' ? Signature(value) : String(value);
        }
    }
}
