using System.Text;
using System.Text.Json;
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

    public static string Indented(Action<Utf8JsonWriter> write) => Write(write, IndentedWriter);

    public static string Compact(Action<Utf8JsonWriter> write) => Write(write, CompactWriter);

    public static byte[] CompactBytes(Action<Utf8JsonWriter> write) => WriteBytes(write, CompactWriter);

    /// <summary>
    /// Decodes a plugin's config with its hand-written reader. JSON that does not parse, is not an object, or has a
    /// field of the wrong type is the spec's code 6 (failed to decode content), <c>"{context}: {reason}"</c>, naming the field and value.
    /// </summary>
    public static T Decode<T>(ReadOnlyMemory<byte> utf8, Func<JsonFields, T> read, string context) =>
        read(JsonFields.Parse(utf8, context));

    /// <summary>Parses stdin as a JSON document; JSON that does not parse is the spec's code 6 (failed to decode content), <c>"{context}: {reason}"</c>.</summary>
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

    /// <summary>Prints a result in its own version's shape.</summary>
    public static string ResultToJson(ICniResult result) => Indented(w => SpecJson.WriteResult(w, result));

    /// <summary>The error object as a plugin prints it.</summary>
    public static string ErrorToJson(CniError error) => Indented(w => SpecJson.WriteError(w, error));

    /// <summary>
    /// Parses a result. Without its own <c>cniVersion</c> the result is taken as <paramref name="defaultVersion"/>,
    /// the reference's rule for prevResult and plugin output.
    /// </summary>
    public static ICniResult ParseResult(JsonElement json, string? defaultVersion, string context = "failed to parse result")
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"{context}: expected an object, got {JsonFields.Describe(json)}");
        }

        var version = json.TryGetProperty("cniVersion", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : defaultVersion ?? "";
        var fields = JsonFields.Of(json, context);
        ICniResult result = SpecVersions.FamilyOf(version) switch
        {
            ResultFamily.V020 => SpecJson.ReadResult020(fields),
            ResultFamily.V040 => SpecJson.ReadResult040(fields),
            ResultFamily.V100 => SpecJson.ReadResult100(fields),
            _ => throw new CniException(CniErrorCode.IncompatibleCniVersion, $"unsupported CNI result version \"{version}\""),
        };
        result.CniVersion = version;
        return result;
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

        return ParseResult(json, configVersion, "could not parse prevResult");
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

    private static string Write(Action<Utf8JsonWriter> write, JsonWriterOptions options) =>
        Encoding.UTF8.GetString(WriteBytes(write, options));

    private static byte[] WriteBytes(Action<Utf8JsonWriter> write, JsonWriterOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            write(writer);
        }

        return stream.ToArray();
    }
}
