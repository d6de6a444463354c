using System.Globalization;
using System.Net;
using System.Text.Json;
using LibCni.Types;

namespace LibCni.Json;

/// <summary>
/// One JSON object, read field by field as the reference's Go decoder fills a struct: keys match
/// case-insensitively and the last duplicate wins, unknown keys are ignored, and a JSON <c>null</c> leaves the
/// field unset. A value of the wrong type is the spec's code 6 (failed to decode content), <c>"{context}: {path}: expected …, got …"</c>.
/// Hand-written over <see cref="JsonDocument"/> instead of the serializer: its metadata and the reflection it
/// links cost every plugin start (see README "Performance").
/// </summary>
public readonly struct JsonFields
{
    private const int MaxQuotedValue = 64;

    private JsonFields(JsonElement element, string context, string path)
    {
        Element = element;
        Context = context;
        Path = path;
    }

    /// <summary>The object itself.</summary>
    public JsonElement Element { get; }

    /// <summary>What an error message starts with, e.g. <c>failed to load netconf</c>.</summary>
    public string Context { get; }

    /// <summary>Where this object sits in the document: empty for the root, else <c>ipam.</c>, <c>ranges[0][1].</c>.</summary>
    public string Path { get; }

    /// <summary>Parses a whole document that must be an object; <c>null</c> or another kind is code 6.</summary>
    public static JsonFields Parse(ReadOnlyMemory<byte> utf8, string context)
    {
        // Not disposed: elements handed out stay valid for the life of the (short) process.
        var document = CniJson.ParseDocument(utf8, context);
        return Of(document.RootElement, context, "");
    }

    /// <summary>The object <paramref name="element"/>; any other kind is code 6 naming <paramref name="path"/>.</summary>
    public static JsonFields Of(JsonElement element, string context, string path = "")
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            var where = path.Length == 0 ? "" : $"{path.TrimEnd('.')}: ";
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: {where}expected an object, got {Describe(element)}");
        }

        return new JsonFields(element, context, path);
    }

    /// <summary>The value of key <paramref name="name"/> when present and not <c>null</c>.</summary>
    public bool TryGet(string name, out JsonElement value)
    {
        var found = false;
        value = default;
        foreach (var property in Element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                found = true;
            }
        }

        return found && value.ValueKind != JsonValueKind.Null;
    }

    public string? String(string name) =>
        TryGet(name, out var value) ? StringValue(value, PathOf(name)) : null;

    public bool? Bool(string name) => TryGet(name, out var value) ? BoolValue(value, PathOf(name)) : null;

    public int? Int32(string name) => TryGet(name, out var value) ? Int32Value(value, PathOf(name)) : null;

    public uint? UInt32(string name) =>
        !TryGet(name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var number) ? number
        : throw WrongType(PathOf(name), value, "an unsigned 32-bit integer");

    public IPAddress? Ip(string name) => TryGet(name, out var value) ? IpValue(value, PathOf(name)) : null;

    public CidrAddress? Cidr(string name) => TryGet(name, out var value) ? CidrValue(value, PathOf(name)) : null;

    /// <summary>The raw value (any kind but <c>null</c>), for parts read later or passed on as they are.</summary>
    public JsonElement? Raw(string name) => TryGet(name, out var value) ? value : null;

    public JsonFields? Object(string name) => TryGet(name, out var value) ? ObjectValue(value, PathOf(name)) : null;

    /// <summary>The object <paramref name="value"/> at <paramref name="path"/> (<c>ranges[0][1]</c>), in this reader's context.</summary>
    public JsonFields ObjectValue(JsonElement value, string path) => Of(value, Context, path + ".");

    /// <summary>An array read item by item; each item's reader gets the item and its path (<c>routes[2]</c>).</summary>
    public List<T>? List<T>(string name, Func<JsonElement, string, T> readItem) =>
        TryGet(name, out var value) ? ListValue(value, PathOf(name), readItem) : null;

    /// <summary>The array <paramref name="value"/> at <paramref name="path"/>, read item by item.</summary>
    public List<T> ListValue<T>(JsonElement value, string path, Func<JsonElement, string, T> readItem)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(path, value, "an array");
        }

        var items = new List<T>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(readItem(item, $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]"));
            index++;
        }

        return items;
    }

    /// <summary>An array of objects, each read with <paramref name="readItem"/>.</summary>
    public List<T>? Objects<T>(string name, Func<JsonFields, T> readItem)
    {
        var self = this;
        return List(name, (item, path) => readItem(self.ObjectValue(item, path)));
    }

    /// <summary>An array of strings; a <c>null</c> item is "", as Go decodes it.</summary>
    public List<string>? Strings(string name)
    {
        var context = Context;
        return List(name, (item, path) => item.ValueKind == JsonValueKind.Null ? "" : StringValue(item, path, context));
    }

    /// <summary>An object of booleans, such as <c>capabilities</c>.</summary>
    public Dictionary<string, bool>? BoolMap(string name)
    {
        if (Object(name) is not { } map)
        {
            return null;
        }

        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var property in map.Element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Null)
            {
                result[property.Name] = map.BoolValue(property.Value, map.PathOf(property.Name));
            }
        }

        return result;
    }

    public string StringValue(JsonElement value, string path) => StringValue(value, path, Context);

    public bool BoolValue(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw WrongType(path, value, "a boolean"),
    };

    public int Int32Value(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw WrongType(path, value, "an integer");

    public IPAddress IpValue(JsonElement value, string path)
    {
        var text = StringValue(value, path);
        return IpText.TryParse(text, out var address)
            ? address
            : throw new CniException(CniErrorCode.DecodingFailure, $"{Context}: {path}: invalid IP address: {text}");
    }

    public CidrAddress CidrValue(JsonElement value, string path)
    {
        var text = StringValue(value, path);
        return CidrAddress.TryParse(text, out var cidr)
            ? cidr
            : throw new CniException(CniErrorCode.DecodingFailure, $"{Context}: {path}: invalid CIDR address: {text}");
    }

    /// <summary>The path of key <paramref name="name"/> in this object, as error messages name it.</summary>
    public string PathOf(string name) => Path + name;

    /// <summary>Code 2: <c>"{context}: {path}: expected {expected}, got {kind} {value}"</c>.</summary>
    public CniException WrongType(string path, JsonElement value, string expected) => WrongType(Context, path, value, expected);

    /// <summary>How an error names a value: its kind and (shortened) JSON text.</summary>
    public static string Describe(JsonElement value)
    {
        var kind = value.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        };
        if (value.ValueKind is JsonValueKind.Null)
        {
            return kind;
        }

        var text = value.GetRawText();
        return text.Length <= MaxQuotedValue ? $"{kind} {text}" : $"{kind} {text[..MaxQuotedValue]}…";
    }

    private static CniException WrongType(string context, string path, JsonElement value, string expected) =>
        new(CniErrorCode.DecodingFailure, $"{context}: {path}: expected {expected}, got {Describe(value)}");

    private static string StringValue(JsonElement value, string path, string context)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(context, path, value, "a string");
        }

        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Bytes that are not UTF-8 inside a string: a decoding error of that field, not a crash.
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: {path}: a string that is not valid UTF-8");
        }
    }
}
