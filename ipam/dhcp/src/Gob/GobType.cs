namespace CniPlugins.Dhcp.Gob;

/// <summary>
/// A type this side sends. Builtins carry gob's predefined ids; structs and slices get an id from each
/// <see cref="GobEncoder"/> the first time they are sent, and their definition goes out once per stream.
/// </summary>
public abstract class GobType
{
    public static readonly GobType Bool = new GobBuiltin(1);
    public static readonly GobType Int = new GobBuiltin(2);
    public static readonly GobType Uint = new GobBuiltin(3);
    public static readonly GobType Bytes = new GobBuiltin(5);
    public static readonly GobType String = new GobBuiltin(6);
}

public sealed class GobBuiltin(int id) : GobType
{
    public int Id { get; } = id;
}

/// <summary>A struct's exported fields in declaration order; the order fixes the field numbers on the wire.</summary>
public sealed class GobStructType(string name, params (string Name, GobType Type)[] fields) : GobType
{
    public string Name { get; } = name;

    public IReadOnlyList<(string Name, GobType Type)> Fields { get; } = fields;

    public int IndexOf(string field)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (Fields[i].Name == field)
            {
                return i;
            }
        }

        throw new ArgumentException($"{Name} has no field {field}", nameof(field));
    }
}

public sealed class GobSliceType(string name, GobType element) : GobType
{
    public string Name { get; } = name;

    public GobType Element { get; } = element;
}
