using System.Net;
using System.Text.Json;
using LibCni;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;
using Dns = LibCni.Types.Dns;

namespace CniPlugins.Static;

/// <summary>One address of the result: the address with its prefix (host bits kept) and an optional gateway.</summary>
public sealed record StaticAddress(CidrAddress Address, IPAddress? Gateway);

/// <summary>
/// static's configuration: the <c>ipam</c> object of the whole network config plus CNI_ARGS, with the reference's
/// sources, order and error texts. Addresses come from <c>ipam.addresses</c>, then CNI_ARGS <c>IP=</c> is appended
/// (<c>GATEWAY=</c> applies to those), then <c>args.cni.ips</c> and then <c>runtimeConfig.ips</c> each replace the
/// list. Bad values are code 7 (CNI_ARGS ones code 4, malformed JSON code 6) with the reference's message and a
/// detail naming the field.
/// </summary>
public sealed record StaticConfig(string CniVersion, IReadOnlyList<StaticAddress> Addresses, IReadOnlyList<Route> Routes, Dns? Dns)
{
    private const string Context = "failed to parse network configuration";

    public static StaticConfig Parse(byte[] stdin, string? cniArgs)
    {
        var net = JsonFields.Parse(stdin, Context);
        var version = net.String("cniVersion") ?? "";
        net.String("name");
        var ipam = net.Object("ipam") ?? throw Invalid("IPAM config missing 'ipam' key", "the network config has no \"ipam\" object");

        // Read (and type-checked) like the reference's struct, though static uses neither.
        ipam.String("name");
        ipam.String("type");
        var routes = ReadRoutes(ipam);
        var addresses = ipam.List("addresses", (item, path) => ReadAddress(ipam, item, path)) ?? [];
        var dns = ipam.Object("dns") is { } dnsJson ? SpecJson.ReadDns(dnsJson) : null;
        var runtimeConfigIps = RequestedIps.FromRuntimeConfig(net);
        var argsIps = RequestedIps.FromArgs(net);

        if (!string.IsNullOrEmpty(cniArgs))
        {
            ApplyCniArgs(CniArgs.Parse(cniArgs), addresses);
        }

        if (argsIps is { Count: > 0 })
        {
            addresses = FromRequested(argsIps, RequestedIps.ArgsField);
        }

        if (runtimeConfigIps is { Count: > 0 })
        {
            addresses = FromRequested(runtimeConfigIps, RequestedIps.RuntimeConfigField);
        }

        var final = addresses.Select(a => new StaticAddress(a.Parsed ?? ParseConfigured(a), a.Gateway)).ToList();
        if ((final.Count(a => a.Address.IsV4) > 1 || final.Count(a => !a.Address.IsV4) > 1) && !AtLeast030(version))
        {
            throw Invalid($"CNI version {version} does not support more than 1 address per family",
                "configs older than 0.3.0 carry at most one IPv4 and one IPv6 address");
        }

        return new StaticConfig(version, final, routes, dns);
    }

    /// <summary>
    /// CNI_ARGS <c>IP=a,b</c> appends; <c>GATEWAY=g,h</c> then sets the gateway of every address already parsed whose
    /// subnet holds it. As in the reference, that is only the CNI_ARGS ones: config addresses are parsed later.
    /// </summary>
    private static void ApplyCniArgs(CniArgs args, List<PendingAddress> addresses)
    {
        args.RequireKnownKeys("IP", "GATEWAY");
        if (args.Get("IP") is { Length: > 0 } ips)
        {
            foreach (var item in RequestedIps.SplitList(ips))
            {
                addresses.Add(RequestedIps.TryParse(item, RequestedPrefix.Required, out var cidr)
                    ? new PendingAddress(null, "CNI_ARGS IP", cidr, null)
                    : throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                        $"the 'ip' field is expected to be in CIDR notation, got: '{item}'", "CNI_ARGS IP takes comma-separated addresses with a prefix"));
            }
        }

        if (args.Get("GATEWAY") is { Length: > 0 } gateways)
        {
            foreach (var item in gateways.Split(','))
            {
                var gateway = IpText.TryParse(item.Trim(), out var address)
                    ? address
                    : throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"invalid gateway address: {item}",
                        "CNI_ARGS GATEWAY takes comma-separated IP addresses");
                for (var i = 0; i < addresses.Count; i++)
                {
                    if (addresses[i].Parsed is { } cidr && cidr.Contains(gateway))
                    {
                        addresses[i] = addresses[i] with { Gateway = gateway };
                    }
                }
            }
        }
    }

    private static List<PendingAddress> FromRequested(List<string> entries, string field) =>
        RequestedIps.ParseAll(entries, field, RequestedPrefix.Required,
                (value, at) => Invalid($"an entry in the 'ips' field is NOT in CIDR notation, got: '{value}'", at))
            .Select(cidr => new PendingAddress(null, field, cidr, null))
            .ToList();

    private static CidrAddress ParseConfigured(PendingAddress address) =>
        CidrAddress.TryParse(address.Text, out var cidr)
            ? cidr
            : throw Invalid($"the 'address' field is expected to be in CIDR notation, got: '{address.Text}'", address.Field);

    /// <summary>An <c>ipam.addresses</c> entry; a <c>null</c> entry is an empty one, as Go decodes it.</summary>
    private static PendingAddress ReadAddress(JsonFields ipam, JsonElement item, string path)
    {
        var field = $"{path}.address";
        if (item.ValueKind == JsonValueKind.Null)
        {
            return new PendingAddress("", field, null, null);
        }

        var entry = ipam.ObjectValue(item, path);
        string? text = null;
        foreach (var property in entry.Element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            // The reference's struct also has a field named exactly "Address" (a Go net.IPNet): that key is not "address".
            if (property.Name == "Address")
            {
                throw entry.WrongType(entry.PathOf(property.Name), property.Value, "no \"Address\" key (the CIDR string goes in \"address\")");
            }

            if (property.Name.Equals("address", StringComparison.OrdinalIgnoreCase))
            {
                text = entry.StringValue(property.Value, entry.PathOf(property.Name));
            }
        }

        entry.String("version");
        var gatewayText = entry.String("gateway");

        // Go's net.IP: "" is no gateway.
        var gateway = string.IsNullOrEmpty(gatewayText) ? null
            : IpText.TryParse(gatewayText, out var address) ? address
            : throw Invalid($"invalid IP address: {gatewayText}", entry.PathOf("gateway"));
        return new PendingAddress(text ?? "", field, null, gateway);
    }

    /// <summary>Routes are copied into the result as they are; a <c>null</c> one is skipped, one without dst refused.</summary>
    private static List<Route> ReadRoutes(JsonFields ipam)
    {
        var routes = ipam.List("routes", (item, path) => item.ValueKind == JsonValueKind.Null ? null : SpecJson.ReadRoute(ipam.ObjectValue(item, path), requireDst: false)) ?? [];
        for (var i = 0; i < routes.Count; i++)
        {
            if (routes[i] is { Dst.Address: null })
            {
                throw Invalid($"invalid route {i}: missing dst", $"ipam.routes[{i}] needs a \"dst\" CIDR");
            }
        }

        return routes.OfType<Route>().ToList();
    }

    private static bool AtLeast030(string version) =>
        version.Length > 0 && SpecVersions.TryParse(version, out var parsed) && parsed.CompareTo((0, 3, 0)) >= 0;

    private static CniException Invalid(string message, string? details) => new(CniErrorCode.InvalidNetworkConfig, message, details);

    /// <summary>An address on its way through the sources: config ones keep their text until the final check.</summary>
    private sealed record PendingAddress(string? Text, string Field, CidrAddress? Parsed, IPAddress? Gateway);
}
