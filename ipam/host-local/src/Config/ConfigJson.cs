using System.Text.Json;
using System.Text.Json.Serialization;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.HostLocal.Config;

// The wire shapes of the config, as the reference reads them. Addresses stay strings here so that
// HostLocalConfig can report bad ones with the reference's messages and the field they came from.

internal sealed class NetDto
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; set; }

    [JsonPropertyName("ipam")]
    public IpamDto? Ipam { get; set; }

    [JsonPropertyName("runtimeConfig")]
    public RuntimeConfigDto? RuntimeConfig { get; set; }

    [JsonPropertyName("args")]
    public ArgsDto? Args { get; set; }
}

internal class RangeDto
{
    [JsonPropertyName("subnet")]
    public string? Subnet { get; set; }

    [JsonPropertyName("rangeStart")]
    public string? RangeStart { get; set; }

    [JsonPropertyName("rangeEnd")]
    public string? RangeEnd { get; set; }

    [JsonPropertyName("gateway")]
    public string? Gateway { get; set; }
}

/// <summary>The ipam object; it is itself a range (the legacy single-range form), as in the reference.</summary>
internal sealed class IpamDto : RangeDto
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("routes")]
    public List<Route>? Routes { get; set; }

    [JsonPropertyName("dataDir")]
    public string? DataDir { get; set; }

    [JsonPropertyName("resolvConf")]
    public string? ResolvConf { get; set; }

    [JsonPropertyName("ranges")]
    public List<List<RangeDto>>? Ranges { get; set; }
}

internal sealed class RuntimeConfigDto
{
    [JsonPropertyName("ipRanges")]
    public List<List<RangeDto>>? IpRanges { get; set; }

    [JsonPropertyName("ips")]
    public List<string?>? Ips { get; set; }
}

internal sealed class ArgsDto
{
    [JsonPropertyName("cni")]
    public CniArgsDto? Cni { get; set; }
}

internal sealed class CniArgsDto
{
    [JsonPropertyName("ips")]
    public List<string?>? Ips { get; set; }
}

/// <summary>Source-generated JSON for host-local's config; keys match case-insensitively as in the reference.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(IpAddressJsonConverter), typeof(CidrAddressJsonConverter)])]
[JsonSerializable(typeof(NetDto))]
internal sealed partial class HostLocalJsonContext : JsonSerializerContext
{
}
