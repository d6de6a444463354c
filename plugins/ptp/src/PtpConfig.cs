using System.Globalization;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Netfilter.Masquerade;
using LibCni.Types;

namespace CniPlugins.Ptp;

/// <summary>The ptp config as JSON: the shared keys plus ipMasq, ipMasqBackend and mtu.</summary>
public sealed class PtpNetConf : NetConf
{
    public bool IpMasq { get; set; }

    public string? IpMasqBackend { get; set; }

    public int Mtu { get; set; }

    public static new PtpNetConf Read(JsonFields json)
    {
        var conf = new PtpNetConf();
        conf.ReadShared(json);
        conf.IpMasq = json.Bool("ipMasq") ?? false;
        conf.IpMasqBackend = json.String("ipMasqBackend");
        conf.Mtu = json.Int32("mtu") ?? 0;
        return conf;
    }
}

/// <summary>A validated ptp configuration; every rule is checked before anything is changed.</summary>
public sealed record PtpConfig
{
    public required string NetworkName { get; init; }

    public required string CniVersion { get; init; }

    public bool IpMasq { get; init; }

    /// <summary>The backend asked for; null: nftables where it works, else iptables (decided at ADD).</summary>
    public MasqueradeBackend? MasqBackend { get; init; }

    public int Mtu { get; init; }

    /// <summary>The IPAM plugin; ptp has no L2-only mode.</summary>
    public required string IpamType { get; init; }

    public Dns? Dns { get; init; }

    public JsonElement? PrevResult { get; init; }

    /// <summary>Parses and validates stdin; throws <see cref="CniException"/> naming the field and value.</summary>
    public static PtpConfig Parse(byte[] stdin)
    {
        var conf = CniJson.Decode(stdin, PtpNetConf.Read, "failed to load netconf");
        if (conf.Mtu < 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MTU {conf.Mtu}", $"mtu={conf.Mtu.ToString(CultureInfo.InvariantCulture)}");
        }

        var ipamType = conf.IpamType ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "IPAM config missing 'type' key",
            "ptp needs an IPAM plugin, e.g. \"ipam\": {\"type\": \"host-local\", ...}");
        return new PtpConfig
        {
            NetworkName = conf.Name ?? "",
            CniVersion = conf.CniVersion ?? "",
            IpMasq = conf.IpMasq,
            MasqBackend = Masquerading.ParseBackend(conf.IpMasqBackend),
            Mtu = conf.Mtu,
            IpamType = ipamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }
}
