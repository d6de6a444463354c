using System.Net;
using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>The result of spec 0.1.0 and 0.2.0: one IPv4 and one IPv6 configuration.</summary>
public sealed class Result020 : ICniResult
{
    [JsonPropertyName("cniVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string CniVersion { get; set; } = "0.2.0";

    [JsonPropertyName("ip4")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IpConfig020? Ip4 { get; set; }

    [JsonPropertyName("ip6")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IpConfig020? Ip6 { get; set; }

    [JsonPropertyName("dns")]
    public Dns Dns { get; set; } = new();
}

public sealed class IpConfig020
{
    [JsonPropertyName("ip")]
    public CidrAddress Ip { get; set; }

    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IPAddress? Gateway { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Route>? Routes { get; set; }
}
