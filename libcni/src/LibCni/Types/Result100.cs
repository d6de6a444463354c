using System.Net;
using System.Text.Json.Serialization;

namespace LibCni.Types;

// Properties are declared in the order the reference prints 1.x results (alphabetical, from its map round trip).

/// <summary>The result of spec 1.0.0 and 1.1.0, and the form every plugin here builds internally.</summary>
public sealed class Result100 : ICniResult
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = SpecVersions.Current;

    /// <summary>Omitted when empty, as in the reference.</summary>
    [JsonPropertyName("dns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dns? Dns { get; set; }

    [JsonPropertyName("interfaces")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Interface100>? Interfaces { get; set; }

    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<IpConfig100>? Ips { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Route>? Routes { get; set; }

    /// <summary>Drops empty lists and an empty dns so the printed form matches the reference's omitempty rules.</summary>
    public Result100 Normalized()
    {
        Interfaces = Interfaces.NullIfEmpty();
        Ips = Ips.NullIfEmpty();
        Routes = Routes.NullIfEmpty();
        if (Dns is { IsEmpty: true })
        {
            Dns = null;
        }

        return this;
    }
}

public sealed class Interface100
{
    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Mtu { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("pciID")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PciId { get; set; }

    [JsonPropertyName("sandbox")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sandbox { get; set; }

    [JsonPropertyName("socketPath")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SocketPath { get; set; }
}

public sealed class IpConfig100
{
    [JsonPropertyName("address")]
    public CidrAddress Address { get; set; }

    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IPAddress? Gateway { get; set; }

    /// <summary>Index into <c>interfaces</c>; absent in IPAM results.</summary>
    [JsonPropertyName("interface")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Interface { get; set; }
}

internal static class ListExtensions
{
    /// <summary>Empty lists print as absent, as the reference's omitempty does.</summary>
    public static List<T>? NullIfEmpty<T>(this List<T>? list) => list is { Count: 0 } ? null : list;
}
