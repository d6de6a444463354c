namespace CniPlugins.Dhcp.Gob;

/// <summary>
/// The other direction of a gob stream: reads messages, remembers the type definitions the peer sent, and decodes
/// values into untyped <see cref="GobValue"/> trees. Covers what net/rpc and the CNI types use (structs, slices,
/// arrays, maps, ints, uints, bools, floats, strings, byte slices), not interfaces or GobEncoder types.
/// </summary>
public sealed class GobDecoder(Stream input)
{
    // A bound on one message, so a garbage length cannot make us allocate gigabytes.
    private const int MaxMessage = 16 << 20;

    private readonly Dictionary<long, WireType> _types = [];
    private readonly Stream _input = input;

    /// <summary>The next value of the stream, or null at a clean end of stream (before any byte of a message).</summary>
    public GobValue? Decode()
    {
        while (true)
        {
            var message = ReadMessage();
            if (message is null)
            {
                return null;
            }

            var reader = new GobReader(message);
            var id = reader.ReadInt();
            if (id < 0)
            {
                _types[-id] = ReadWireType(ref reader);
                continue;
            }

            var type = TypeOf(id);
            if (type.Kind != WireKind.Struct)
            {
                // A top-level non-struct is sent as a one-field struct: its delta byte comes first.
                reader.ReadUint();
            }

            return ReadValue(ref reader, id);
        }
    }

    private byte[]? ReadMessage()
    {
        var first = _input.ReadByte();
        if (first < 0)
        {
            return null;
        }

        ulong length = (uint)first;
        if (first >= 0x80)
        {
            var count = -(sbyte)(byte)first;
            if (count > 8)
            {
                throw new GobException("gob: bad message length");
            }

            length = 0;
            for (var i = 0; i < count; i++)
            {
                length = (length << 8) | (uint)ReadByteOrThrow();
            }
        }

        if (length > MaxMessage)
        {
            throw new GobException($"gob: message of {length} bytes is too large");
        }

        var message = new byte[(int)length];
        _input.ReadExactly(message);
        return message;
    }

    private int ReadByteOrThrow() => _input.ReadByte() is var b and >= 0 ? b : throw new EndOfStreamException("gob: stream ends inside a message length");

    private WireType TypeOf(long id) => _types.TryGetValue(id, out var type)
        ? type
        : id is > 0 and < 8 ? WireType.Builtin(id) : throw new GobException($"gob: unknown type id {id}");

    private GobValue ReadValue(ref GobReader reader, long id)
    {
        var type = TypeOf(id);
        switch (type.Kind)
        {
            case WireKind.Bool or WireKind.Uint or WireKind.Float:
                return new GobUint(reader.ReadUint());
            case WireKind.Int:
                return new GobInt(reader.ReadInt());
            case WireKind.Bytes or WireKind.String:
                return new GobBytes(reader.ReadBytes().ToArray());
            case WireKind.Complex:
                reader.ReadUint();
                return new GobUint(reader.ReadUint());
            case WireKind.Slice or WireKind.Array:
            {
                var count = reader.ReadUint();
                var items = new List<GobValue>();
                for (ulong i = 0; i < count; i++)
                {
                    items.Add(ReadValue(ref reader, type.Elem));
                }

                return new GobList(items);
            }

            case WireKind.Map:
            {
                var count = reader.ReadUint();
                var items = new List<GobValue>();
                for (ulong i = 0; i < count; i++)
                {
                    items.Add(ReadValue(ref reader, type.Key));
                    items.Add(ReadValue(ref reader, type.Elem));
                }

                return new GobList(items);
            }

            case WireKind.Struct:
            {
                var fields = new Dictionary<string, GobValue>();
                var field = -1L;
                while (true)
                {
                    var delta = reader.ReadUint();
                    if (delta == 0)
                    {
                        return new GobStruct(fields);
                    }

                    field += (long)delta;
                    if (field >= type.Fields.Count)
                    {
                        throw new GobException($"gob: field {field} of {type.Name} out of range");
                    }

                    var (name, fieldId) = type.Fields[(int)field];
                    fields[name] = ReadValue(ref reader, fieldId);
                }
            }

            default:
                throw new GobException($"gob: cannot decode {type.Kind} type {type.Name}");
        }
    }

    /// <summary>wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT}: one field set.</summary>
    private static WireType ReadWireType(ref GobReader reader)
    {
        var result = new WireType { Kind = WireKind.Unsupported };
        var field = -1L;
        while (reader.ReadUint() is var delta and not 0)
        {
            field += (long)delta;
            result = field switch
            {
                0 => ReadComposite(ref reader, WireKind.Array),
                1 => ReadComposite(ref reader, WireKind.Slice),
                2 => ReadComposite(ref reader, WireKind.Struct),
                3 => ReadComposite(ref reader, WireKind.Map),
                _ => ReadComposite(ref reader, WireKind.Unsupported),
            };
        }

        return result;
    }

    /// <summary>
    /// arrayType{CommonType, Elem, Len}, sliceType{CommonType, Elem}, structType{CommonType, Field []fieldType},
    /// mapType{CommonType, Key, Elem}, gobEncoderType{CommonType}; CommonType is {Name, Id}.
    /// </summary>
    private static WireType ReadComposite(ref GobReader reader, WireKind kind)
    {
        var type = new WireType { Kind = kind };
        var field = -1L;
        while (reader.ReadUint() is var delta and not 0)
        {
            field += (long)delta;
            switch (field)
            {
                case 0:
                    type.Name = ReadCommonName(ref reader);
                    break;
                case 1 when kind == WireKind.Struct:
                    var count = reader.ReadUint();
                    for (ulong i = 0; i < count; i++)
                    {
                        type.Fields.Add(ReadField(ref reader));
                    }

                    break;
                case 1 when kind == WireKind.Map:
                    type.Key = reader.ReadInt();
                    break;
                case 1 or 2 when kind is WireKind.Array or WireKind.Slice or WireKind.Map:
                    if (field == 2 && kind == WireKind.Array)
                    {
                        reader.ReadInt();
                    }
                    else
                    {
                        type.Elem = reader.ReadInt();
                    }

                    break;
                default:
                    throw new GobException($"gob: unexpected field {field} in a {kind} definition");
            }
        }

        return type;
    }

    private static string ReadCommonName(ref GobReader reader)
    {
        var name = "";
        var field = -1L;
        while (reader.ReadUint() is var delta and not 0)
        {
            field += (long)delta;
            if (field == 0)
            {
                name = System.Text.Encoding.UTF8.GetString(reader.ReadBytes());
            }
            else
            {
                reader.ReadInt();
            }
        }

        return name;
    }

    private static (string Name, long Id) ReadField(ref GobReader reader)
    {
        var name = "";
        var id = 0L;
        var field = -1L;
        while (reader.ReadUint() is var delta and not 0)
        {
            field += (long)delta;
            if (field == 0)
            {
                name = System.Text.Encoding.UTF8.GetString(reader.ReadBytes());
            }
            else
            {
                id = reader.ReadInt();
            }
        }

        return (name, id);
    }

    private enum WireKind
    {
        Unsupported,
        Bool,
        Int,
        Uint,
        Float,
        Bytes,
        String,
        Complex,
        Array,
        Slice,
        Struct,
        Map,
    }

    private sealed class WireType
    {
        public WireKind Kind { get; init; }

        public string Name { get; set; } = "";

        public List<(string Name, long Id)> Fields { get; } = [];

        public long Elem { get; set; }

        public long Key { get; set; }

        public static WireType Builtin(long id) => new() { Kind = (WireKind)id, Name = ((WireKind)id).ToString().ToLowerInvariant() };
    }
}
