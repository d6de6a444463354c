using System.Text.Json;
using System.Text.Json.Serialization;
using LibCni.Types;

namespace LibCni.Config;

/// <summary>
/// The keys every plugin configuration shares (spec §"Plugin configuration objects"). Plugins derive
/// their own config from it; keys nobody declares are kept in <see cref="Extra"/> so nothing is lost.
/// </summary>
public class NetConf
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("capabilities")]
    public Dictionary<string, bool>? Capabilities { get; set; }

    [JsonPropertyName("ipam")]
    public JsonElement? Ipam { get; set; }

    [JsonPropertyName("dns")]
    public Dns? Dns { get; set; }

    [JsonPropertyName("runtimeConfig")]
    public JsonElement? RuntimeConfig { get; set; }

    [JsonPropertyName("args")]
    public JsonElement? Args { get; set; }

    [JsonPropertyName("prevResult")]
    public JsonElement? PrevResult { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The <c>type</c> of the <c>ipam</c> object, or null for none (L2-only mode).</summary>
    [JsonIgnore]
    public string? IpamType =>
        Ipam is { ValueKind: JsonValueKind.Object } ipam && ipam.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String &&
        t.GetString() is { Length: > 0 } type
            ? type
            : null;

    [JsonIgnore]
    public bool HasPrevResult => PrevResult is { ValueKind: JsonValueKind.Object };
}
