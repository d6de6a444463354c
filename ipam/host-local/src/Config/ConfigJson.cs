using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.HostLocal.Config;

// The wire shapes of the config, as the reference reads them. Addresses stay strings here so that
// HostLocalConfig can report bad ones with the reference's messages and the field they came from.

internal sealed class NetDto
{
    public string? Name { get; set; }

    public string? CniVersion { get; set; }

    public IpamDto? Ipam { get; set; }

    public RuntimeConfigDto? RuntimeConfig { get; set; }

    /// <summary><c>runtimeConfig.ips</c> (the <c>ips</c> capability).</summary>
    public List<string>? RuntimeConfigIps { get; set; }

    /// <summary><c>args.cni.ips</c>.</summary>
    public List<string>? ArgsIps { get; set; }

    public static NetDto Read(JsonFields json) => new()
    {
        Name = json.String("name"),
        CniVersion = json.String("cniVersion"),
        Ipam = json.Object("ipam") is { } ipam ? IpamDto.Read(ipam) : null,
        RuntimeConfig = json.Object("runtimeConfig") is { } runtimeConfig
            ? new RuntimeConfigDto { IpRanges = RangeDto.ReadSets(runtimeConfig, "ipRanges") }
            : null,
        RuntimeConfigIps = RequestedIps.FromRuntimeConfig(json),
        ArgsIps = RequestedIps.FromArgs(json),
    };
}

internal class RangeDto
{
    public string? Subnet { get; set; }

    public string? RangeStart { get; set; }

    public string? RangeEnd { get; set; }

    public string? Gateway { get; set; }

    /// <summary>A list of range sets (<c>[[{…}, …], …]</c>); a <c>null</c> set or range stays null, as Go decodes it.</summary>
    public static List<List<RangeDto?>?>? ReadSets(JsonFields json, string name) =>
        json.List(name, (set, setPath) => set.ValueKind == JsonValueKind.Null
            ? null
            : json.ListValue(set, setPath, (range, path) => range.ValueKind == JsonValueKind.Null
                ? null
                : ReadInto(new RangeDto(), json.ObjectValue(range, path))));

    protected static T ReadInto<T>(T range, JsonFields json)
        where T : RangeDto
    {
        range.Subnet = json.String("subnet");
        range.RangeStart = json.String("rangeStart");
        range.RangeEnd = json.String("rangeEnd");
        range.Gateway = json.String("gateway");
        return range;
    }
}

/// <summary>The ipam object; it is itself a range (the legacy single-range form), as in the reference.</summary>
internal sealed class IpamDto : RangeDto
{
    public string? Type { get; set; }

    /// <summary>A <c>null</c> route stays null here and is skipped later, as the reference skips a nil pointer.</summary>
    public List<Route?>? Routes { get; set; }

    public string? DataDir { get; set; }

    public string? ResolvConf { get; set; }

    public List<List<RangeDto?>?>? Ranges { get; set; }

    public static IpamDto Read(JsonFields json)
    {
        var ipam = ReadInto(new IpamDto(), json);
        ipam.Type = json.String("type");
        ipam.Routes = json.List("routes", (route, path) => route.ValueKind == JsonValueKind.Null ? null : SpecJson.ReadRoute(json.ObjectValue(route, path), requireDst: false));
        ipam.DataDir = json.String("dataDir");
        ipam.ResolvConf = json.String("resolvConf");
        ipam.Ranges = ReadSets(json, "ranges");
        return ipam;
    }
}

internal sealed class RuntimeConfigDto
{
    public List<List<RangeDto?>?>? IpRanges { get; set; }
}
