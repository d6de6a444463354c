using System.Globalization;
using System.Net;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Portmap;

/// <summary>portmap's config as JSON; <see cref="PortmapConfig"/> is the validated form.</summary>
public sealed class PortmapNetConf : NetConf
{
    public bool? Snat { get; set; }

    public bool MasqAll { get; set; }

    public int? MarkMasqBit { get; set; }

    public string? ExternalSetMarkChain { get; set; }

    public List<string>? ConditionsV4 { get; set; }

    public List<string>? ConditionsV6 { get; set; }

    public string? Backend { get; set; }

    public static new PortmapNetConf Read(JsonFields json)
    {
        var conf = new PortmapNetConf();
        conf.ReadShared(json);
        conf.Snat = json.Bool("snat");
        conf.MasqAll = json.Bool("masqAll") ?? false;
        conf.MarkMasqBit = json.Int32("markMasqBit");
        conf.ExternalSetMarkChain = json.String("externalSetMarkChain");
        conf.ConditionsV4 = json.Strings("conditionsV4");
        conf.ConditionsV6 = json.Strings("conditionsV6");
        conf.Backend = json.String("backend");
        return conf;
    }
}

public sealed class PortMappingEntry
{
    public int HostPort { get; set; }

    public int ContainerPort { get; set; }

    public string? Protocol { get; set; }

    public string? HostIp { get; set; }

    public static PortMappingEntry Read(JsonFields json) => new()
    {
        HostPort = json.Int32("hostPort") ?? 0,
        ContainerPort = json.Int32("containerPort") ?? 0,
        Protocol = json.String("protocol"),
        HostIp = json.String("hostIP"),
    };
}

/// <summary>
/// One host port forwarded to the container. A hostIP limits the mapping to its family; an unspecified
/// one (0.0.0.0, ::) matches every local address of that family, so only <see cref="Destination"/> is null.
/// </summary>
public sealed record PortMapping(int HostPort, int ContainerPort, string Protocol, IPAddress? HostIp)
{
    public bool AppliesTo(bool ipv4) => HostIp is null || IpText.IsV4(HostIp) == ipv4;

    /// <summary>The destination address to match, or null for any local address.</summary>
    public IPAddress? Destination => HostIp is null || HostIp.Equals(IPAddress.Any) || HostIp.Equals(IPAddress.IPv6Any) ? null : HostIp;
}

public enum PortmapBackend
{
    NfTables,
    IpTables,
}

/// <summary>A validated portmap configuration plus the container addresses taken from prevResult.</summary>
public sealed record PortmapConfig
{
    public const int DefaultMarkMasqBit = 13;

    public required string NetworkName { get; init; }

    public required string CniVersion { get; init; }

    public IReadOnlyList<PortMapping> Mappings { get; init; } = [];

    /// <summary>True when the runtime sent the portMappings key at all (even empty).</summary>
    public bool MappingsGiven { get; init; }

    public bool Snat { get; init; } = true;

    public bool MasqAll { get; init; }

    public int MarkMasqBit { get; init; } = DefaultMarkMasqBit;

    public string? ExternalSetMarkChain { get; init; }

    public IReadOnlyList<string> ConditionsV4 { get; init; } = [];

    public IReadOnlyList<string> ConditionsV6 { get; init; } = [];

    /// <summary>The backend asked for (or implied by iptables-only options); null: nftables where it works, else iptables.</summary>
    public PortmapBackend? Backend { get; init; }

    public ICniResult? PrevResult { get; init; }

    public CidrAddress? ContainerV4 { get; init; }

    public CidrAddress? ContainerV6 { get; init; }

    public uint MasqMark => 1u << MarkMasqBit;

    public static PortmapConfig Parse(byte[] stdin, string ifName, string configVersion)
    {
        var conf = CniJson.Decode(stdin, PortmapNetConf.Read, "failed to parse config");

        var (mappings, given) = ReadMappings(conf);
        if (conf.MarkMasqBit is { } bit && conf.ExternalSetMarkChain is { Length: > 0 })
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "Cannot specify externalSetMarkChain and markMasqBit", $"markMasqBit={bit}");
        }

        if (conf.MarkMasqBit is < 0 or > 31)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "MasqMarkBit must be between 0 and 31", $"markMasqBit={conf.MarkMasqBit}");
        }

        var backend = ChooseBackend(conf);
        var prev = conf.HasPrevResult ? CniJson.ParsePrevResult(conf.PrevResult!.Value, configVersion) : null;
        var (v4, v6) = prev is null ? (null, null) : ContainerAddresses(ResultConverter.ToResult100(prev), ifName);
        return new PortmapConfig
        {
            NetworkName = conf.Name ?? "",
            CniVersion = conf.CniVersion ?? "",
            Mappings = mappings,
            MappingsGiven = given,
            Snat = conf.Snat ?? true,
            MasqAll = conf.MasqAll,
            MarkMasqBit = conf.MarkMasqBit ?? DefaultMarkMasqBit,
            ExternalSetMarkChain = string.IsNullOrEmpty(conf.ExternalSetMarkChain) ? null : conf.ExternalSetMarkChain,
            ConditionsV4 = conf.ConditionsV4 ?? [],
            ConditionsV6 = conf.ConditionsV6 ?? [],
            Backend = backend,
            PrevResult = prev,
            ContainerV4 = v4,
            ContainerV6 = v6,
        };
    }

    /// <summary>
    /// The backend: as asked, else iptables when the config carries iptables-only options, else null (nftables
    /// where it works, iptables otherwise: decided by the ADD). Options of the other backend are refused, as the reference does.
    /// </summary>
    private static PortmapBackend? ChooseBackend(PortmapNetConf conf)
    {
        var iptablesOptions = new List<string>();
        if (conf.MarkMasqBit is not null)
        {
            iptablesOptions.Add("markMasqBit");
        }

        if (!string.IsNullOrEmpty(conf.ExternalSetMarkChain))
        {
            iptablesOptions.Add("externalSetMarkChain");
        }

        if (IsIptablesSyntax(conf.ConditionsV4) || IsIptablesSyntax(conf.ConditionsV6))
        {
            iptablesOptions.Add("conditionsV4/conditionsV6 in iptables syntax");
        }

        var nftOptions = new List<string>();
        if (IsNftSyntax(conf.ConditionsV4) || IsNftSyntax(conf.ConditionsV6))
        {
            nftOptions.Add("conditionsV4/conditionsV6 in nftables syntax");
        }

        switch (conf.Backend)
        {
            case null or "":
                return iptablesOptions.Count > 0 ? PortmapBackend.IpTables : nftOptions.Count > 0 ? PortmapBackend.NfTables : null;
            case "iptables":
                if (nftOptions.Count > 0)
                {
                    throw Mixed("iptables", "nftables", nftOptions);
                }

                return PortmapBackend.IpTables;
            case "nftables":
                if (iptablesOptions.Count > 0)
                {
                    throw Mixed("nftables", "iptables", iptablesOptions);
                }

                return PortmapBackend.NfTables;
            default:
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unrecognized backend \"{conf.Backend}\"", "backend must be \"iptables\" or \"nftables\"");
        }
    }

    private static CniException Mixed(string backend, string other, List<string> options) =>
        new(CniErrorCode.InvalidNetworkConfig, $"{backend} backend was requested but configuration contains {other}-specific options [{string.Join(" ", options)}]");

    private static bool IsIptablesSyntax(List<string>? conditions) => conditions is { Count: > 0 } c && c[0].Length > 0 && c[0][0] is '-' or '!';

    private static bool IsNftSyntax(List<string>? conditions) => conditions is { Count: > 0 } && !IsIptablesSyntax(conditions);

    private static (IReadOnlyList<PortMapping> Mappings, bool Given) ReadMappings(PortmapNetConf conf)
    {
        // A runtimeConfig that is not an object carries no mappings.
        if (conf.RuntimeConfig is not { ValueKind: JsonValueKind.Object } rc ||
            JsonFields.Of(rc, conf.Json.Context, "runtimeConfig.").Objects("portMappings", PortMappingEntry.Read) is not { } entries)
        {
            return ([], false);
        }

        var mappings = new List<PortMapping>();
        foreach (var entry in entries)
        {
            if (entry.HostPort is <= 0 or > 65535)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"Invalid host port number: {entry.HostPort}", "hostPort must be 1-65535");
            }

            if (entry.ContainerPort is <= 0 or > 65535)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"Invalid container port number: {entry.ContainerPort}", "containerPort must be 1-65535");
            }

            var protocol = (entry.Protocol ?? "tcp").ToLowerInvariant();
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"Invalid protocol \"{entry.Protocol}\"", "protocol must be tcp, udp or sctp");
            }

            IPAddress? hostIp = null;
            if (!string.IsNullOrEmpty(entry.HostIp))
            {
                if (!IpText.TryParse(entry.HostIp, out var parsed))
                {
                    throw new CniException(CniErrorCode.InvalidNetworkConfig, $"Invalid host IP \"{entry.HostIp}\"", $"hostPort {entry.HostPort.ToString(CultureInfo.InvariantCulture)}");
                }

                hostIp = parsed;
            }

            mappings.Add(new PortMapping(entry.HostPort, entry.ContainerPort, protocol, hostIp));
        }

        return (mappings, true);
    }

    /// <summary>
    /// The first IPv4 and IPv6 address of the container interface: IPs whose interface index points at
    /// CNI_IFNAME in a sandbox, or IPs without a usable index.
    /// </summary>
    public static (CidrAddress? V4, CidrAddress? V6) ContainerAddresses(Result100 prev, string ifName)
    {
        CidrAddress? v4 = null, v6 = null;
        var interfaces = prev.Interfaces ?? [];
        foreach (var ip in prev.Ips ?? [])
        {
            if (ip.Interface is { } index && index >= 0 && index < interfaces.Count)
            {
                var iface = interfaces[index];
                if (iface.Name != ifName || string.IsNullOrEmpty(iface.Sandbox))
                {
                    continue;
                }
            }

            if (ip.Address.IsV4)
            {
                v4 ??= ip.Address;
            }
            else
            {
                v6 ??= ip.Address;
            }
        }

        return (v4, v6);
    }
}
