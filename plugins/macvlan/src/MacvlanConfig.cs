using LibCni.Config;
using LibCni.Json;
using LibCni.Netlink.Route;
using LibCni.Types;

namespace CniPlugins.Macvlan;

/// <summary>A validated macvlan config. The master is resolved against the kernel later (it may be the default route's).</summary>
public sealed record MacvlanConfig
{
    public string? Master { get; init; }

    public MacvlanMode Mode { get; init; } = MacvlanMode.Bridge;

    public int Mtu { get; init; }

    /// <summary>From <c>mac</c>, then CNI_ARGS <c>MAC</c>, then <c>runtimeConfig.mac</c> (the last present wins).</summary>
    public byte[]? Mac { get; init; }

    public bool LinkInContainer { get; init; }

    public uint BroadcastQueueLength { get; init; }

    /// <summary>Null: L2 only, the link comes up without addresses.</summary>
    public string? IpamType { get; init; }

    public Dns? Dns { get; init; }

    public System.Text.Json.JsonElement? PrevResult { get; init; }

    public static readonly IReadOnlyDictionary<string, MacvlanMode> Modes = new Dictionary<string, MacvlanMode>(StringComparer.Ordinal)
    {
        [""] = MacvlanMode.Bridge,
        ["bridge"] = MacvlanMode.Bridge,
        ["private"] = MacvlanMode.Private,
        ["vepa"] = MacvlanMode.Vepa,
        ["passthru"] = MacvlanMode.Passthru,
        ["source"] = MacvlanMode.Source,
    };

    public static string ModeName(MacvlanMode mode) => Modes.First(m => m.Value == mode && m.Key.Length > 0).Key;

    /// <param name="stdin">The config.</param>
    /// <param name="cniArgs">CNI_ARGS; with <paramref name="strictArgs"/> (ADD, CHECK) a key other than MAC fails unless IgnoreUnknown.</param>
    /// <param name="strictArgs">Whether unknown CNI_ARGS keys are an error.</param>
    /// <param name="context">The error prefix (the reference's DEL says "netConf").</param>
    public static MacvlanConfig Parse(byte[] stdin, CniArgs cniArgs, bool strictArgs, string context = "failed to load netconf")
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, context);
        var json = conf.Json;
        var modeText = json.String("mode") ?? "";
        if (!Modes.TryGetValue(modeText, out var mode))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unknown macvlan mode: \"{modeText}\"", "mode is one of bridge, private, vepa, passthru, source");
        }

        return new MacvlanConfig
        {
            Master = json.String("master"),
            Mode = mode,
            Mtu = json.Int32("mtu") ?? 0,
            Mac = RequestedMac.Resolve(conf, cniArgs, strictArgs),
            LinkInContainer = json.Bool("linkInContainer") ?? false,
            BroadcastQueueLength = json.UInt32("bcqueuelen") ?? 0,
            IpamType = string.IsNullOrEmpty(conf.IpamType) ? null : conf.IpamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }
}
