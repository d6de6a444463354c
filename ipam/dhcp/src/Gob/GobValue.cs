namespace CniPlugins.Dhcp.Gob;

/// <summary>
/// A decoded gob value, untyped: the mappers in <see cref="Rpc.RpcTypes"/> pick fields out by name, which is how gob
/// itself matches a sender's struct to a receiver's (unknown fields ignored, missing ones left zero).
/// </summary>
public abstract record GobValue;

/// <summary>bool, uint and (raw) float values.</summary>
public sealed record GobUint(ulong Value) : GobValue;

public sealed record GobInt(long Value) : GobValue;

/// <summary>string and []byte values (net.IP and net.IPMask travel as []byte).</summary>
public sealed record GobBytes(byte[] Value) : GobValue
{
    public string Text => System.Text.Encoding.UTF8.GetString(Value);
}

/// <summary>A struct: only the fields the sender transmitted (gob omits zero values).</summary>
public sealed record GobStruct(Dictionary<string, GobValue> Fields) : GobValue
{
    public string String(string name) => Fields.TryGetValue(name, out var v) && v is GobBytes b ? b.Text : "";

    public byte[] Bytes(string name) => Fields.TryGetValue(name, out var v) && v is GobBytes b ? b.Value : [];

    public long Int(string name) => Fields.TryGetValue(name, out var v) ? v switch
    {
        GobInt i => i.Value,
        GobUint u => (long)u.Value,
        _ => 0,
    } : 0;

    public bool Has(string name) => Fields.ContainsKey(name);

    public GobStruct? Struct(string name) => Fields.TryGetValue(name, out var v) ? v as GobStruct : null;

    public List<GobValue> List(string name) => Fields.TryGetValue(name, out var v) && v is GobList l ? l.Items : [];
}

/// <summary>Slices, arrays and maps (a map as alternating keys and values).</summary>
public sealed record GobList(List<GobValue> Items) : GobValue;

/// <summary>The stream is not gob, or uses a type this subset does not decode (interfaces, GobEncoder types).</summary>
public sealed class GobException(string message) : IOException(message);
