using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Bandwidth;

/// <summary>Rates in bits/s, bursts in bits; 0 is unlimited (the reference's BandwidthEntry).</summary>
public sealed record BandwidthLimits(ulong IngressRate, ulong IngressBurst, ulong EgressRate, ulong EgressBurst)
{
    public bool IsZero => IngressRate == 0 && IngressBurst == 0 && EgressRate == 0 && EgressBurst == 0;

    public bool ShapesIngress => IngressRate > 0 && IngressBurst > 0;

    public bool ShapesEgress => EgressRate > 0 && EgressBurst > 0;

    private static readonly string[] Keys = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"];

    /// <summary>The four keys of <paramref name="json"/>, or null when none is present.</summary>
    internal static BandwidthLimits? Read(JsonFields json)
    {
        if (!Keys.Any(k => json.TryGet(k, out _)))
        {
            return null;
        }

        return new BandwidthLimits(UInt64(json, Keys[0]), UInt64(json, Keys[1]), UInt64(json, Keys[2]), UInt64(json, Keys[3]));
    }

    private static ulong UInt64(JsonFields json, string name) =>
        !json.TryGet(name, out var value) ? 0
        : value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var number) ? number
        : throw json.WrongType(json.PathOf(name), value, "an unsigned 64-bit integer");
}

/// <summary>bandwidth's configuration: the network name, the limits in force, and prevResult.</summary>
public sealed record BandwidthConfig
{
    public const string Context = "failed to parse network configuration";

    public required string Name { get; init; }

    /// <summary>Top-level keys if any is present (then runtimeConfig is ignored entirely), else runtimeConfig.bandwidth.</summary>
    public BandwidthLimits? Limits { get; init; }

    public ICniResult? PrevResult { get; init; }

    /// <summary>Parses and validates, for every verb (the reference validates in parseConfig, DEL and CHECK included).</summary>
    public static BandwidthConfig Parse(byte[] stdin, string configVersion)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var limits = BandwidthLimits.Read(conf.Json);
        if (limits is null && conf.Json.Object("runtimeConfig") is { } runtimeConfig && runtimeConfig.Object("bandwidth") is { } bandwidth)
        {
            limits = BandwidthLimits.Read(bandwidth) ?? new BandwidthLimits(0, 0, 0, 0);
        }

        if (limits is not null)
        {
            Validate(limits.IngressRate, limits.IngressBurst, "ingress");
            Validate(limits.EgressRate, limits.EgressBurst, "egress");
        }

        var prevResult = conf.ReadPrevResult(configVersion);

        return new BandwidthConfig { Name = conf.Name ?? "", Limits = limits, PrevResult = prevResult };
    }

    private static void Validate(ulong rate, ulong burst, string direction)
    {
        var message = (rate, burst) switch
        {
            (not 0, 0) => "if rate is set, burst must also be set",
            (0, not 0) => "if burst is set, rate must also be set",
            _ when burst / 8 >= uint.MaxValue => "burst cannot be more than 4GB",
            _ => null,
        };
        if (message is not null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, message, $"{direction}Rate {rate}, {direction}Burst {burst}");
        }
    }
}
