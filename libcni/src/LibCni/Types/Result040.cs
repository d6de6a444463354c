using System.Net;
using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>The result of spec 0.3.0, 0.3.1 and 0.4.0.</summary>
public sealed class Result040 : ICniResult
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = "0.4.0";

    [JsonPropertyName("interfaces")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Interface040>? Interfaces { get; set; }

    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<IpConfig040>? Ips { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Route>? Routes { get; set; }

    /// <summary>Always written, as <c>{}</c> when empty.</summary>
    [JsonPropertyName("dns")]
    public Dns Dns { get; set; } = new();

    public Result040 Normalized()
    {
        Interfaces = Interfaces.NullIfEmpty();
        Ips = Ips.NullIfEmpty();
        Routes = Routes.NullIfEmpty();
        Dns ??= new Dns();
        return this;
    }
}

public sealed class Interface040
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    [JsonPropertyName("sandbox")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sandbox { get; set; }
}

public sealed class IpConfig040
{
    /// <summary>"4" or "6".</summary>
    [JsonPropertyName("version")]
    public string Version { get; set; } = "";

    [JsonPropertyName("interface")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Interface { get; set; }

    [JsonPropertyName("address")]
    public CidrAddress Address { get; set; }

    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IPAddress? Gateway { get; set; }
}
