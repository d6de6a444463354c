using LibCni.Config;
using LibCni.Json;
using LibCni.Netlink.Route;
using LibCni.Types;

namespace CniPlugins.Ipvlan;

/// <summary>A validated ipvlan config; the master is resolved against the kernel (or prevResult) later.</summary>
public sealed record IpvlanConfig
{
    public const string Context = "failed to load netconf";

    public string? Master { get; init; }

    public IpvlanMode Mode { get; init; } = IpvlanMode.L2;

    public int Mtu { get; init; }

    public bool LinkInContainer { get; init; }

    public string? IpamType { get; init; }

    public Dns? Dns { get; init; }

    /// <summary>prevResult as 1.0.0, when the config carries one (chained after another plugin).</summary>
    public Result100? PrevResult { get; init; }

    public static readonly IReadOnlyDictionary<string, IpvlanMode> Modes = new Dictionary<string, IpvlanMode>(StringComparer.Ordinal)
    {
        [""] = IpvlanMode.L2,
        ["l2"] = IpvlanMode.L2,
        ["l3"] = IpvlanMode.L3,
        ["l3s"] = IpvlanMode.L3s,
    };

    public static string ModeName(IpvlanMode mode) => Modes.First(m => m.Value == mode && m.Key.Length > 0).Key;

    public static IpvlanConfig Parse(byte[] stdin, string configVersion)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var modeText = conf.Json.String("mode") ?? "";
        if (!Modes.TryGetValue(modeText, out var mode))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unknown ipvlan mode: \"{modeText}\"", "mode is one of l2, l3, l3s");
        }

        var prev = conf.ReadPrevResult(configVersion) is { } prevResult ? ResultConverter.ToResult100(prevResult) : null;

        return new IpvlanConfig
        {
            Master = conf.Json.String("master"),
            Mode = mode,
            Mtu = conf.Json.Int32("mtu") ?? 0,
            LinkInContainer = conf.Json.Bool("linkInContainer") ?? false,
            IpamType = string.IsNullOrEmpty(conf.IpamType) ? null : conf.IpamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = prev,
        };
    }

    /// <summary>
    /// The master's name: the config's; else, chained, the one named interface of prevResult; else null (the
    /// default route's interface).
    /// </summary>
    public string? MasterName()
    {
        if (!string.IsNullOrEmpty(Master) || PrevResult is null)
        {
            return Master;
        }

        return PrevResult.Interfaces is [{ Name: { Length: > 0 } name }]
            ? name
            : throw new CniException(CniErrorCode.InvalidNetworkConfig, "chained master failure. PrevResult lacks a single named interface",
                $"prevResult has {PrevResult.Interfaces?.Count ?? 0} interfaces; set \"master\"");
    }
}
