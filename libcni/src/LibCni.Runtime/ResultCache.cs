using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// One cache file's content in Go libcni's <c>cniCacheV1</c> format: the ADD's arguments, the configuration
/// bytes (base64 in the file) and the final result.
/// </summary>
internal sealed record CacheEntry
{
    public const string KindV1 = "cniCacheV1";

    public required string ContainerId { get; init; }

    public required byte[] Config { get; init; }

    public required string IfName { get; init; }

    public required string NetworkName { get; init; }

    public string NetNs { get; init; } = "";

    public IReadOnlyList<KeyValuePair<string, string>> CniArgs { get; init; } = [];

    public IReadOnlyDictionary<string, JsonElement> CapabilityArgs { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The result JSON as the plugin emitted it (Go keeps it as a map).</summary>
    public JsonElement? Result { get; init; }

    /// <summary>Serialises in Go's key order: kind, containerId, config, ifName, networkName, netns, cniArgs, capabilityArgs, result.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", KindV1);
            writer.WriteString("containerId", ContainerId);
            writer.WriteBase64String("config", Config);
            writer.WriteString("ifName", IfName);
            writer.WriteString("networkName", NetworkName);
            if (NetNs.Length > 0)
            {
                writer.WriteString("netns", NetNs);
            }

            if (CniArgs.Count > 0)
            {
                writer.WriteStartArray("cniArgs");
                foreach (var (key, value) in CniArgs)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(key);
                    writer.WriteStringValue(value);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
            }

            if (CapabilityArgs.Count > 0)
            {
                writer.WritePropertyName("capabilityArgs");
                var capabilityArgs = new JsonObject();
                foreach (var (key, value) in CapabilityArgs)
                {
                    capabilityArgs[key] = JsonNode.Parse(value.GetRawText());
                }

                JsonCanonical.WriteSorted(writer, capabilityArgs);
            }

            if (Result is { } result)
            {
                writer.WritePropertyName("result");
                JsonCanonical.WriteSorted(writer, JsonNode.Parse(result.GetRawText()));
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Reads a <c>cniCacheV1</c> file; null when the bytes are JSON of another shape (a legacy bare result).
    /// </summary>
    /// <exception cref="JsonException">Not JSON, or a v1 file with keys of the wrong type.</exception>
    public static CacheEntry? Parse(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) ||
            kind.ValueKind != JsonValueKind.String || kind.GetString() != KindV1)
        {
            return null;
        }

        try
        {
            return new CacheEntry
            {
                ContainerId = String(root, "containerId"),
                Config = root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.String ? config.GetBytesFromBase64() : [],
                IfName = String(root, "ifName"),
                NetworkName = String(root, "networkName"),
                NetNs = String(root, "netns"),
                CniArgs = root.TryGetProperty("cniArgs", out var args) && args.ValueKind == JsonValueKind.Array
                    ? args.EnumerateArray().Select(Pair).ToList()
                    : [],
                CapabilityArgs = root.TryGetProperty("capabilityArgs", out var caps) && caps.ValueKind == JsonValueKind.Object
                    ? caps.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
                    : new Dictionary<string, JsonElement>(),
                Result = root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object ? result.Clone() : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new JsonException($"invalid {KindV1} cache entry: {e.Message}", e);
        }
    }

    private static string String(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() ?? "" : "";

    private static KeyValuePair<string, string> Pair(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
        {
            throw new FormatException("cniArgs entries must be [key, value] pairs");
        }

        return new(pair[0].GetString() ?? "", pair[1].GetString() ?? "");
    }
}

/// <summary>
/// The result cache of Go libcni: <c>&lt;cacheDir&gt;/results/&lt;network&gt;-&lt;containerID&gt;-&lt;ifName&gt;</c>,
/// written after a successful ADD and read back for CHECK, DEL and GC. Files written by either implementation
/// are readable by the other.
/// </summary>
internal sealed class ResultCache(string cacheDirectory, ICacheFileSystem files)
{
    public string ResultsDirectory { get; } = Path.Combine(cacheDirectory, "results");

    public string FilePath(string networkName, RuntimeConf rt)
    {
        if (networkName.Length == 0 || rt.ContainerId.Length == 0 || rt.IfName.Length == 0)
        {
            throw new CniRuntimeException(
                $"cache file path requires network name ({GoText.Quote(networkName)}), container ID ({GoText.Quote(rt.ContainerId)}), and interface name ({GoText.Quote(rt.IfName)})");
        }

        return Path.Combine(ResultsDirectory, $"{networkName}-{rt.ContainerId}-{rt.IfName}");
    }

    public void Save(ICniResult result, byte[] config, string networkName, RuntimeConf rt)
    {
        using var resultJson = JsonDocument.Parse(CniJson.ResultToJson(result));
        var entry = new CacheEntry
        {
            ContainerId = rt.ContainerId,
            Config = config,
            IfName = rt.IfName,
            NetworkName = networkName,
            NetNs = rt.NetNs,
            CniArgs = rt.Args,
            CapabilityArgs = rt.CapabilityArgs,
            Result = resultJson.RootElement.Clone(),
        };
        files.WriteFile(FilePath(networkName, rt), entry.ToBytes());
    }

    public void Delete(string networkName, RuntimeConf rt)
    {
        if (networkName.Length > 0 && rt.ContainerId.Length > 0 && rt.IfName.Length > 0)
        {
            files.DeleteFile(FilePath(networkName, rt));
        }
    }

    /// <summary>
    /// The cached result converted to <paramref name="cniVersion"/>; null when there is no cache file.
    /// Reads both the v1 format and a legacy bare result.
    /// </summary>
    /// <exception cref="CniRuntimeException">The file is corrupt or its result cannot be converted.</exception>
    public ICniResult? LoadResult(string networkName, string cniVersion, RuntimeConf rt)
    {
        if (files.ReadFile(FilePath(networkName, rt)) is not { } bytes)
        {
            return null;
        }

        ICniResult result;
        try
        {
            CacheEntry? entry = null;
            try
            {
                entry = CacheEntry.Parse(bytes);
            }
            catch (JsonException)
            {
                // Go falls back to the legacy reader for anything it cannot read as v1, which then reports the error.
            }

            var resultJson = entry is null ? bytes : Encoding.UTF8.GetBytes(entry.Result?.GetRawText() ?? "null");
            result = CniJson.ParseResult(resultJson, defaultVersion: "0.1.0");
        }
        catch (CniException e)
        {
            throw new CniRuntimeException(e.Message, e);
        }

        try
        {
            return ResultConverter.Convert(result, cniVersion);
        }
        catch (CniException e)
        {
            throw new CniRuntimeException($"failed to convert cached result to config version {GoText.Quote(cniVersion)}: {e.Message}", e);
        }
    }

    /// <summary>The cached configuration bytes and the ADD's arguments; null when there is no cache file.</summary>
    public (byte[] Config, RuntimeConf Rt)? LoadConfig(string networkName, RuntimeConf rt)
    {
        if (files.ReadFile(FilePath(networkName, rt)) is not { } bytes)
        {
            return null;
        }

        CacheEntry? entry;
        try
        {
            entry = CacheEntry.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new CniRuntimeException($"failed to unmarshal cached network {GoText.Quote(networkName)} config: {e.Message}", e);
        }

        if (entry is null)
        {
            throw new CniRuntimeException($"read cached network {GoText.Quote(networkName)} config has wrong kind");
        }

        return (entry.Config, rt with
        {
            Args = entry.CniArgs.Count > 0 ? entry.CniArgs : rt.Args,
            CapabilityArgs = entry.CapabilityArgs,
        });
    }

    /// <summary>Every readable v1 entry, in file-name order, optionally only those of one container.</summary>
    public IReadOnlyList<NetworkAttachment> ListAttachments(string? containerId)
    {
        var attachments = new List<NetworkAttachment>();
        foreach (var name in files.ListFileNames(ResultsDirectory).Order(StringComparer.Ordinal))
        {
            if (!string.IsNullOrEmpty(containerId))
            {
                var part = $"-{containerId}-";
                var position = name.IndexOf(part, StringComparison.Ordinal);
                if (position <= 0 || position + part.Length >= name.Length)
                {
                    continue;
                }
            }

            CacheEntry? entry;
            try
            {
                entry = files.ReadFile(Path.Combine(ResultsDirectory, name)) is { } bytes ? CacheEntry.Parse(bytes) : null;
            }
            catch (JsonException)
            {
                continue;
            }

            if (entry is null || entry.IfName.Length == 0 || entry.NetworkName.Length == 0 ||
                (!string.IsNullOrEmpty(containerId) && entry.ContainerId != containerId))
            {
                continue;
            }

            attachments.Add(new NetworkAttachment
            {
                ContainerId = entry.ContainerId,
                Network = entry.NetworkName,
                IfName = entry.IfName,
                Config = entry.Config,
                NetNs = entry.NetNs,
                CniArgs = entry.CniArgs,
                CapabilityArgs = entry.CapabilityArgs,
            });
        }

        return attachments;
    }
}
