using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LibCni.Types;

namespace LibCni.Json;

/// <summary>Printing and parsing helpers with the reference's output form: 4-space indent, no trailing newline.</summary>
public static class CniJson
{
    private static readonly JsonWriterOptions IndentedWriter = new()
    {
        Indented = true,
        IndentSize = 4,
        Encoder = RelaxedEncoder.Instance,
    };

    private static readonly JsonWriterOptions CompactWriter = new()
    {
        Encoder = RelaxedEncoder.Instance,
    };

    public static string Indented<T>(T value, JsonTypeInfo<T> typeInfo) => Write(value, typeInfo, IndentedWriter);

    public static string Compact<T>(T value, JsonTypeInfo<T> typeInfo) => Write(value, typeInfo, CompactWriter);

    public static byte[] CompactBytes<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, CompactWriter))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        return stream.ToArray();
    }

    /// <summary>Prints a result in its own version's shape.</summary>
    public static string ResultToJson(ICniResult result) => result switch
    {
        Result100 r => Indented(r.Normalized(), CniJsonContext.Default.Result100),
        Result040 r => Indented(r.Normalized(), CniJsonContext.Default.Result040),
        Result020 r => Indented(r, CniJsonContext.Default.Result020),
        _ => throw new ArgumentException($"unknown result type {result.GetType().Name}", nameof(result)),
    };

    /// <summary>
    /// Parses a result. Without its own <c>cniVersion</c> the result is taken as <paramref name="defaultVersion"/>,
    /// the reference's rule for prevResult and plugin output.
    /// </summary>
    public static ICniResult ParseResult(JsonElement json, string? defaultVersion)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"failed to parse result: expected a JSON object, got {json.ValueKind}");
        }

        var version = json.TryGetProperty("cniVersion", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : defaultVersion ?? "";
        try
        {
            ICniResult? result = SpecVersions.FamilyOf(version) switch
            {
                ResultFamily.V020 => json.Deserialize(CniJsonContext.Default.Result020),
                ResultFamily.V040 => json.Deserialize(CniJsonContext.Default.Result040),
                ResultFamily.V100 => json.Deserialize(CniJsonContext.Default.Result100),
                _ => throw new CniException(CniErrorCode.IncompatibleCniVersion, $"unsupported CNI result version \"{version}\""),
            };
            if (result is null)
            {
                throw new CniException(CniErrorCode.DecodingFailure, "failed to parse result: null");
            }

            result.CniVersion = version;
            return result;
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"failed to parse result: {e.Message}");
        }
    }

    public static ICniResult ParseResult(ReadOnlySpan<byte> utf8, string? defaultVersion)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            return ParseResult(doc.RootElement, defaultVersion);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"failed to parse result: {e.Message}");
        }
    }

    private static string Write<T>(T value, JsonTypeInfo<T> typeInfo, JsonWriterOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
