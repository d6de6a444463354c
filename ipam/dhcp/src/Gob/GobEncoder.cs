namespace CniPlugins.Dhcp.Gob;

/// <summary>
/// One direction of a gob stream. Each message is its byte length, then a type id: negative for a type definition
/// (sent once per stream, before the first value of that type), positive for a value.
/// </summary>
public sealed class GobEncoder
{
    // Ids below 65 are gob's predefined types.
    private const int FirstUserId = 65;

    private readonly Dictionary<GobType, int> _ids = [];
    private int _nextId = FirstUserId;

    /// <summary>Appends the messages for <paramref name="value"/> of <paramref name="type"/> (and any unsent definitions).</summary>
    public void Encode(List<byte> output, GobStructType type, GobStruct value)
    {
        var fresh = new List<GobType>();
        Assign(type, fresh);
        foreach (var defined in fresh)
        {
            WriteMessage(output, body =>
            {
                GobWire.WriteInt(body, -_ids[defined]);
                WriteDefinition(body, defined);
            });
        }

        WriteMessage(output, body =>
        {
            GobWire.WriteInt(body, _ids[type]);
            WriteStruct(body, type, value);
        });
    }

    private static void WriteMessage(List<byte> output, Action<List<byte>> write)
    {
        var body = new List<byte>();
        write(body);
        GobWire.WriteUint(output, (ulong)body.Count);
        output.AddRange(body);
    }

    private int IdOf(GobType type) => type is GobBuiltin builtin ? builtin.Id : _ids[type];

    /// <summary>
    /// Outer type first, then its components, as Go's encoder sends them; ids as Go numbers them: a struct before its
    /// fields, a slice after its element (so a fresh stream's bytes match a fresh Go process's).
    /// </summary>
    private void Assign(GobType type, List<GobType> fresh)
    {
        if (type is GobBuiltin || _ids.ContainsKey(type))
        {
            return;
        }

        switch (type)
        {
            case GobStructType s:
                _ids[type] = _nextId++;
                fresh.Add(type);
                foreach (var (_, fieldType) in s.Fields)
                {
                    Assign(fieldType, fresh);
                }

                break;
            case GobSliceType slice:
                var at = fresh.Count;
                Assign(slice.Element, fresh);
                _ids[type] = _nextId++;
                fresh.Insert(at, type);
                break;
        }
    }

    /// <summary>
    /// A wireType struct: field 1 (SliceT) or 2 (StructT), each a struct whose first field is CommonType{Name, Id},
    /// followed by Elem (slices) or Field []fieldType{Name, Id} (structs).
    /// </summary>
    private void WriteDefinition(List<byte> body, GobType type)
    {
        switch (type)
        {
            case GobSliceType slice:
                body.Add(2);
                body.Add(1);
                WriteCommon(body, slice.Name, _ids[type]);
                body.Add(1);
                GobWire.WriteInt(body, IdOf(slice.Element));
                body.Add(0);
                break;
            case GobStructType s:
                body.Add(3);
                body.Add(1);
                WriteCommon(body, s.Name, _ids[type]);

                // An empty Field slice is a zero value, which gob leaves out (struct{} is only its CommonType).
                if (s.Fields.Count > 0)
                {
                    body.Add(1);
                    GobWire.WriteUint(body, (ulong)s.Fields.Count);
                }

                foreach (var (name, fieldType) in s.Fields)
                {
                    body.Add(1);
                    GobWire.WriteBytes(body, System.Text.Encoding.UTF8.GetBytes(name));
                    body.Add(1);
                    GobWire.WriteInt(body, IdOf(fieldType));
                    body.Add(0);
                }

                body.Add(0);
                break;
        }

        body.Add(0);
    }

    private static void WriteCommon(List<byte> body, string name, int id)
    {
        if (name.Length > 0)
        {
            body.Add(1);
            GobWire.WriteBytes(body, System.Text.Encoding.UTF8.GetBytes(name));
            body.Add(1);
        }
        else
        {
            body.Add(2);
        }

        GobWire.WriteInt(body, id);
        body.Add(0);
    }

    /// <summary>Fields as (delta from the previous field number, value); zero values are left out; 0 ends the struct.</summary>
    private static void WriteStruct(List<byte> body, GobStructType type, GobStruct value)
    {
        var last = -1;
        for (var i = 0; i < type.Fields.Count; i++)
        {
            var (name, fieldType) = type.Fields[i];
            if (!value.Fields.TryGetValue(name, out var field) || IsZero(field))
            {
                continue;
            }

            GobWire.WriteUint(body, (ulong)(i - last));
            last = i;
            WriteValue(body, fieldType, field);
        }

        body.Add(0);
    }

    // Go omits zero scalars and empty slices and strings, but always sends a (non-nil) struct.
    private static bool IsZero(GobValue value) => value switch
    {
        GobUint u => u.Value == 0,
        GobInt i => i.Value == 0,
        GobBytes b => b.Value.Length == 0,
        GobList l => l.Items.Count == 0,
        _ => false,
    };

    private static void WriteValue(List<byte> body, GobType type, GobValue value)
    {
        switch (type, value)
        {
            case (GobStructType s, GobStruct v):
                WriteStruct(body, s, v);
                break;
            case (GobSliceType slice, GobList list):
                GobWire.WriteUint(body, (ulong)list.Items.Count);
                foreach (var item in list.Items)
                {
                    WriteValue(body, slice.Element, item);
                }

                break;
            case (GobBuiltin { Id: 2 }, GobInt i):
                GobWire.WriteInt(body, i.Value);
                break;
            case (GobBuiltin { Id: 1 or 3 }, GobUint u):
                GobWire.WriteUint(body, u.Value);
                break;
            case (GobBuiltin { Id: 5 or 6 }, GobBytes b):
                GobWire.WriteBytes(body, b.Value);
                break;
            default:
                throw new ArgumentException($"gob: cannot encode {value.GetType().Name} as {type.GetType().Name}", nameof(value));
        }
    }
}
