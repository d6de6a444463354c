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

    /// <summary>
    /// Decodes a plugin's config with its source-generated type. JSON that does not fit (or is <c>null</c>) is the
    /// spec's code 2, <c>"{context}: {reason}"</c>, where the reason names the field and value as System.Text.Json does.
    /// </summary>
    public static T Decode<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> typeInfo, string context)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, typeInfo) ?? throw new CniException(CniErrorCode.DecodingFailure, $"{context}: null");
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: {e.Message}");
        }
    }

    /// <summary>Parses stdin as a JSON document; JSON that does not parse is the spec's code 2, <c>"{context}: {reason}"</c>.</summary>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, string context)
    {
        try
        {
            return JsonDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: {e.Message}");
        }
    }

    /// <summary>As <see cref="Decode{T}(ReadOnlySpan{byte}, JsonTypeInfo{T}, string)"/> for a part of the config; a JSON <c>null</c> there is null.</summary>
    public static T? DecodePart<T>(JsonElement element, JsonTypeInfo<T> typeInfo, string context)
        where T : class
    {
        try
        {
            return element.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: {e.Message}");
        }
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

    /// <summary>
    /// A prevResult, read as a result of the config's version as the spec and the reference do: one of
    /// another result family (an <c>ip4</c> 0.2.0 result under a 1.0.0 config) is refused, not converted.
    /// A prevResult without a version is taken to be of the config's version.
    /// </summary>
    public static ICniResult ParsePrevResult(JsonElement json, string configVersion)
    {
        var configFamily = SpecVersions.FamilyOf(configVersion);
        if (json.ValueKind == JsonValueKind.Object)
        {
            var stated = json.TryGetProperty("cniVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (!string.IsNullOrEmpty(stated) && SpecVersions.FamilyOf(stated) != configFamily)
            {
                throw new CniException(CniErrorCode.IncompatibleCniVersion, $"could not parse prevResult: its version \"{stated}\" is not of the config's result family",
                    $"cniVersion \"{configVersion}\"; a prevResult must be a result of the config's version");
            }

            if (string.IsNullOrEmpty(stated) && configFamily != ResultFamily.V020 && (json.TryGetProperty("ip4", out _) || json.TryGetProperty("ip6", out _)))
            {
                throw new CniException(CniErrorCode.IncompatibleCniVersion, "could not parse prevResult: it has the 0.1.0/0.2.0 ip4/ip6 form",
                    $"cniVersion \"{configVersion}\"; a prevResult must be a result of the config's version");
            }
        }

        return ParseResult(json, configVersion);
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
