using System.Net;
using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>A route as every result version writes it (1.1 added mtu, advmss, priority, table and scope).</summary>
public sealed class Route
{
    [JsonPropertyName("dst")]
    public CidrAddress Dst { get; set; }

    [JsonPropertyName("gw")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IPAddress? Gw { get; set; }

    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Mtu { get; set; }

    [JsonPropertyName("advmss")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int AdvMss { get; set; }

    [JsonPropertyName("priority")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Priority { get; set; }

    [JsonPropertyName("table")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Table { get; set; }

    [JsonPropertyName("scope")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Scope { get; set; }

    public Route Copy() => (Route)MemberwiseClone();

    /// <summary>The 0.1/0.2 form keeps only destination and gateway.</summary>
    public Route CopyDstAndGw() => new() { Dst = Dst, Gw = Gw };
}
