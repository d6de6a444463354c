using System.Globalization;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Tuning;

/// <summary>
/// The values tuning sets on a link (the reference's TuningConf fields and its IPAMArgs). The config's top level
/// holds them, and <c>args.cni</c> holds per-pod overrides of each. Names are matched case-insensitively, as Go's decoder does.
/// </summary>
public sealed class TuningTunables
{
    /// <summary>Kept raw: order matters for a deterministic apply, and duplicate keys must be seen.</summary>
    public JsonElement? Sysctl { get; set; }

    public string? Mac { get; set; }

    public bool? Promisc { get; set; }

    public int? Mtu { get; set; }

    public int? TxQLen { get; set; }

    public bool? Allmulti { get; set; }

    public static TuningTunables Read(JsonFields json) => new()
    {
        Sysctl = json.Raw("sysctl"),
        Mac = json.String("mac"),
        Promisc = json.Bool("promisc"),
        Mtu = json.Int32("mtu"),
        TxQLen = json.Int32("txQLen"),
        Allmulti = json.Bool("allmulti"),
    };
}

/// <summary>tuning's config as JSON: the common keys, <c>dataDir</c>, and the tunables read from the same top level.</summary>
public sealed class TuningNetConf : NetConf
{
    public string? DataDir { get; set; }

    public TuningTunables Tunables { get; set; } = new();

    /// <summary>The tunables sit at the config's top level beside the common keys, so one pass reads both.</summary>
    public static new TuningNetConf Read(JsonFields json)
    {
        var conf = new TuningNetConf();
        conf.ReadShared(json);
        conf.DataDir = json.String("dataDir");
        conf.Tunables = TuningTunables.Read(json);
        return conf;
    }
}

/// <summary>A validated tuning configuration with every per-pod override applied.</summary>
public sealed record TuningConfig
{
    public const string DefaultDataDir = "/run/cni/tuning";

    public string DataDir { get; init; } = DefaultDataDir;

    /// <summary>Sysctls in config order, overrides from <c>args.cni.sysctl</c> replacing or following them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sysctls { get; init; } = [];

    public byte[]? Mac { get; init; }

    /// <summary>true turns promiscuous mode on; false leaves it alone at ADD (CHECK then wants it off).</summary>
    public bool Promisc { get; init; }

    /// <summary>0 leaves the MTU alone.</summary>
    public int Mtu { get; init; }

    public bool? Allmulti { get; init; }

    public int? TxQLen { get; init; }

    public ICniResult? PrevResult { get; init; }

    /// <summary>Whether ADD changes the link, and so saves its original values first.</summary>
    public bool ChangesLink => Mac is not null || Mtu != 0 || Promisc || Allmulti is not null || TxQLen is not null;

    /// <summary>
    /// Parses everything ADD and CHECK need. The MAC comes from, lowest to highest precedence: <c>mac</c>,
    /// CNI_ARGS <c>MAC</c>, <c>runtimeConfig.mac</c>, <c>args.cni.mac</c> (the reference's order).
    /// </summary>
    public static TuningConfig Parse(byte[] stdin, CniArgs cniArgs, string configVersion)
    {
        var conf = Decode(stdin);
        var tunables = conf.Tunables;
        var sysctls = ReadSysctls(tunables.Sysctl, "sysctl");

        string? macText = tunables.Mac;
        var macSource = "mac";
        cniArgs.RequireKnownKeys("MAC");
        if (cniArgs.Get("MAC") is { Length: > 0 } envMac)
        {
            (macText, macSource) = (envMac, "CNI_ARGS MAC");
        }

        if (conf.RuntimeConfigString("mac") is { Length: > 0 } runtimeMac)
        {
            (macText, macSource) = (runtimeMac, "runtimeConfig.mac");
        }

        var promisc = tunables.Promisc ?? false;
        var mtu = tunables.Mtu ?? 0;
        var allmulti = tunables.Allmulti;
        var txQLen = tunables.TxQLen;
        if (ReadArgs(conf) is { } args)
        {
            if (args.Sysctl is { ValueKind: not JsonValueKind.Null })
            {
                foreach (var (key, value) in ReadSysctls(args.Sysctl, "args.cni.sysctl"))
                {
                    var at = sysctls.FindIndex(kv => kv.Key == key);
                    if (at >= 0)
                    {
                        sysctls[at] = new(key, value);
                    }
                    else
                    {
                        sysctls.Add(new(key, value));
                    }
                }
            }

            if (args.Mac is not null)
            {
                (macText, macSource) = (args.Mac, "args.cni.mac");
            }

            promisc = args.Promisc ?? promisc;
            mtu = args.Mtu ?? mtu;
            allmulti = args.Allmulti ?? allmulti;
            txQLen = args.TxQLen ?? txQLen;
        }

        if (mtu < 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid mtu {mtu.ToString(CultureInfo.InvariantCulture)}: must be positive (0 leaves the MTU alone)", "mtu");
        }

        if (txQLen < 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid txQLen {txQLen.Value.ToString(CultureInfo.InvariantCulture)}: must not be negative", "txQLen");
        }

        return new TuningConfig
        {
            DataDir = DataDirOf(conf),
            Sysctls = sysctls,
            Mac = string.IsNullOrEmpty(macText) ? null : MacAddress.Parse(macText, macSource),
            Promisc = promisc,
            Mtu = mtu,
            Allmulti = allmulti,
            TxQLen = txQLen,
            PrevResult = conf.HasPrevResult ? CniJson.ParseResult(conf.PrevResult!.Value, configVersion) : null,
        };
    }

    /// <summary>What DEL needs: only where the saved state lives. Anything else in the config may be stale or invalid.</summary>
    public static string ParseDataDir(byte[] stdin) => DataDirOf(Decode(stdin));

    private static string DataDirOf(TuningNetConf conf) => string.IsNullOrEmpty(conf.DataDir) ? DefaultDataDir : conf.DataDir;

    /// <summary>The whole config, tunables included, for DEL too: a config that does not decode is refused by every command alike.</summary>
    private static TuningNetConf Decode(byte[] stdin) => CniJson.Decode(stdin, TuningNetConf.Read, "failed to load netconf");

    /// <summary>A sysctl object: string values only, and a key given twice is refused as the reference refuses it.</summary>
    private static List<KeyValuePair<string, string>> ReadSysctls(JsonElement? element, string field)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (element is not { } e || e.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"failed to load netconf: {field} must be an object of strings, got {e.ValueKind}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in e.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, "duplicated sysctl keys are not allowed", $"{field} key \"{property.Name}\"");
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new CniException(CniErrorCode.DecodingFailure,
                    $"failed to load netconf: {field} \"{property.Name}\" must be a string, got {property.Value.ValueKind}");
            }

            result.Add(new(property.Name, property.Value.GetString()!));
        }

        return result;
    }

    private static TuningTunables? ReadArgs(NetConf conf)
    {
        if (conf.Args is not { ValueKind: JsonValueKind.Object } args || !args.TryGetProperty("cni", out var cni) || cni.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return TuningTunables.Read(JsonFields.Of(cni, conf.Json.Context, "args.cni."));
    }
}
