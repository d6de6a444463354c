using System.Net;
using System.Text.Json;
using CniPlugins.HostLocal.Allocation;
using CniPlugins.HostLocal.Store;
using LibCni;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;
using Range = CniPlugins.HostLocal.Allocation.Range;
using Requests = LibCni.Config.RequestedIps;

namespace CniPlugins.HostLocal.Config;

/// <summary>
/// host-local's validated configuration, read from the whole network config (the IPAM part under
/// <c>ipam</c>) plus CNI_ARGS, with the reference's rules and error texts. Config errors are code 7
/// (6 for malformed JSON) with the reference's message and a detail naming the field.
/// </summary>
public sealed record HostLocalConfig(
    string Name,
    string CniVersion,
    IReadOnlyList<RangeSet> Ranges,
    IReadOnlyList<Route> Routes,
    string DataDir,
    string? ResolvConf,
    IReadOnlyList<IPAddress> RequestedIps)
{
    /// <summary>Parses stdin and CNI_ARGS (keys <c>IP</c> and <c>IgnoreUnknown</c>).</summary>
    public static HostLocalConfig Parse(byte[] stdin, string? cniArgs)
    {
        var net = Deserialize(stdin);
        var ipam = net.Ipam ?? throw Invalid("IPAM config missing 'ipam' key", "the network config has no \"ipam\" object");

        var requested = new List<IPAddress>();
        if (!string.IsNullOrEmpty(cniArgs))
        {
            var args = CniArgs.Parse(cniArgs);
            if (args.Get("IP") is { Length: > 0 } ip)
            {
                // As the reference (pkg/ip ParseIP): an address, or an address with a prefix whose prefix is ignored.
                requested.Add(Requests.TryParse(ip, RequestedPrefix.Optional, out var address)
                    ? address.Address
                    : throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                        $"ARGS: error parsing value of pair \"IP={ip}\": invalid IP address {ip}", "CNI_ARGS IP must be one IP address, optionally with a prefix"));
            }

            args.RequireKnownKeys("IP");
        }

        // Both lists add to CNI_ARGS IP; a prefix, if any, is ignored: only the address is requested.
        requested.AddRange(Requests.Addresses(Requests.ParseAll(net.ArgsIps, Requests.ArgsField, RequestedPrefix.Optional, InvalidRequested)));
        requested.AddRange(Requests.Addresses(Requests.ParseAll(net.RuntimeConfigIps, Requests.RuntimeConfigField, RequestedPrefix.Optional, InvalidRequested)));

        // Final order: runtimeConfig.ipRanges, the legacy single range, then ipam.ranges.
        var sources = new List<(List<RangeDto?> Set, string Field)>();
        foreach (var (set, i) in (net.RuntimeConfig?.IpRanges ?? []).Select((s, i) => (s, i)))
        {
            sources.Add((set ?? [], $"runtimeConfig.ipRanges[{i}]"));
        }

        if (ipam.Subnet is not null)
        {
            sources.Add(([ipam], "ipam"));
        }

        foreach (var (set, i) in (ipam.Ranges ?? []).Select((s, i) => (s, i)))
        {
            sources.Add((set ?? [], $"ipam.ranges[{i}]"));
        }

        if (sources.Count == 0)
        {
            throw Invalid("no IP ranges specified", "set ipam.ranges (or ipam.subnet)");
        }

        var version = net.CniVersion ?? "";
        var rangeSets = sources.Select((source, i) => BuildRangeSet(source.Set, source.Field, i)).ToList();
        if ((rangeSets.Count(s => s.IsV4) > 1 || rangeSets.Count(s => !s.IsV4) > 1) && !AtLeast030(version))
        {
            throw Invalid($"CNI version {version} does not support more than 1 address per family",
                "configs older than 0.3.0 get at most one IPv4 and one IPv6 range set");
        }

        for (var i = 0; i < rangeSets.Count; i++)
        {
            for (var j = i + 1; j < rangeSets.Count; j++)
            {
                if (rangeSets[i].Overlaps(rangeSets[j]))
                {
                    throw Invalid($"range set {i} overlaps with {j}", $"{sources[i].Field} ({rangeSets[i]}) and {sources[j].Field} ({rangeSets[j]})");
                }
            }
        }

        var routes = ipam.Routes?.OfType<Route>().ToList() ?? [];
        for (var i = 0; i < routes.Count; i++)
        {
            // A route without dst would reach the result writer only after the addresses are reserved.
            if (routes[i].Dst.Address is null)
            {
                throw Invalid($"invalid route {i}: missing dst", $"ipam.routes[{i}] needs a \"dst\" CIDR");
            }
        }

        return new HostLocalConfig(
            net.Name ?? "",
            version,
            rangeSets,
            routes,
            string.IsNullOrEmpty(ipam.DataDir) ? DiskStore.DefaultDataDir : ipam.DataDir,
            string.IsNullOrEmpty(ipam.ResolvConf) ? null : ipam.ResolvConf,
            requested.DistinctBy(IpText.Format).ToList());
    }

    public static IReadOnlyList<(string ContainerId, string IfName)>? ParseValidAttachments(byte[] stdin) =>
        GcAttachments.Parse(stdin)?.Select(a => (a.ContainerId, a.IfName)).ToList();

    private static NetDto Deserialize(byte[] stdin) =>
        CniJson.Decode(stdin, NetDto.Read, "failed to parse network configuration");

    private static CniException InvalidRequested(string value, string at) => value.Length == 0
        ? Invalid("cannot understand ip: IP <nil> not v4 nor v6", $"{at} is empty")
        : Invalid($"invalid IP address {value}", $"{at}: \"{value}\"");

    private static RangeSet BuildRangeSet(List<RangeDto?> dtos, string field, int index)
    {
        var ranges = new List<Range>();
        var current = field;
        try
        {
            foreach (var (dto, i) in dtos.Select((d, i) => (d, i)))
            {
                var at = field == "ipam" ? "ipam" : $"{field}[{i}]";
                current = dto?.Subnet is { } subnet ? $"{at} (subnet {subnet})" : at;
                ranges.Add(BuildRange(dto ?? new RangeDto(), at));
            }

            current = field;
            return RangeSet.Create(ranges);
        }
        catch (InvalidRangeException e)
        {
            throw Invalid($"invalid range set {index}: {e.Message}", current);
        }
    }

    private static Range BuildRange(RangeDto dto, string at)
    {
        if (dto.Subnet is null)
        {
            // The reference's words for a range without a subnet.
            throw new InvalidRangeException("IP <nil> not v4 nor v6");
        }

        if (!CidrAddress.TryParse(dto.Subnet, out var subnet))
        {
            throw Invalid($"invalid CIDR address: {dto.Subnet}", $"{at}.subnet");
        }

        return Range.Create(
            subnet,
            OptionalIp(dto.RangeStart, $"{at}.rangeStart"),
            OptionalIp(dto.RangeEnd, $"{at}.rangeEnd"),
            OptionalIp(dto.Gateway, $"{at}.gateway"));
    }

    /// <summary>An address field; empty or absent means "use the default", as in the reference.</summary>
    private static IPAddress? OptionalIp(string? value, string field) =>
        string.IsNullOrEmpty(value) ? null
        : IpText.TryParse(value, out var address) ? address
        : throw Invalid($"invalid IP address: {value}", field);

    private static bool AtLeast030(string version)
    {
        try
        {
            return version.Length > 0 && SpecVersions.AtLeast(version, "0.3.0");
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static CniException Invalid(string message, string? details) => new(CniErrorCode.InvalidNetworkConfig, message, details);
}
