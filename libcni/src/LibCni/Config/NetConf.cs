using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Config;

/// <summary>
/// The keys every plugin configuration shares (spec §"Plugin configuration objects"). Plugins derive their own
/// config from it and read their keys from <see cref="Json"/>, which keeps every key, declared or not.
/// </summary>
public class NetConf
{
    public string? CniVersion { get; set; }

    public string? Name { get; set; }

    public string? Type { get; set; }

    public Dictionary<string, bool>? Capabilities { get; set; }

    public JsonElement? Ipam { get; set; }

    public Dns? Dns { get; set; }

    public JsonElement? RuntimeConfig { get; set; }

    public JsonElement? Args { get; set; }

    public JsonElement? PrevResult { get; set; }

    /// <summary>The whole config object, for plugin-specific keys.</summary>
    public JsonFields Json { get; private set; }

    /// <summary>The <c>type</c> of the <c>ipam</c> object (key case-insensitive, as Go reads it), or null for none (L2-only mode).</summary>
    public string? IpamType =>
        Ipam is { ValueKind: JsonValueKind.Object } ipam && JsonFields.Of(ipam, Json.Context, "ipam.").String("type") is { Length: > 0 } type
            ? type
            : null;

    /// <summary><c>runtimeConfig.&lt;key&gt;</c> as a string, or null when absent (keys case-insensitive).</summary>
    public string? RuntimeConfigString(string key) =>
        RuntimeConfig is { ValueKind: JsonValueKind.Object } rc ? JsonFields.Of(rc, Json.Context, "runtimeConfig.").String(key) : null;

    /// <summary><c>args.cni.&lt;key&gt;</c> as a string, or null when absent (keys case-insensitive).</summary>
    public string? ArgsCniString(string key) =>
        Args is { ValueKind: JsonValueKind.Object } args && JsonFields.Of(args, Json.Context, "args.").Object("cni") is { } cni &&
        cni.Element.ValueKind == JsonValueKind.Object
            ? cni.String(key)
            : null;

    public bool HasPrevResult => PrevResult is { ValueKind: JsonValueKind.Object };

    /// <summary>The prevResult read as a result of <paramref name="configVersion"/>, or null when there is none (chained plugins' parse).</summary>
    public Types.ICniResult? ReadPrevResult(string configVersion)
    {
        if (!HasPrevResult)
        {
            return null;
        }

        try
        {
            return LibCni.Json.CniJson.ParsePrevResult(PrevResult!.Value, configVersion);
        }
        catch (Types.CniException e)
        {
            throw new Types.CniException(e.Code, $"could not parse prevResult: {e.Message}");
        }
    }

    /// <summary>Only the shared keys, for plugins that have none of their own.</summary>
    public static NetConf Read(JsonFields json)
    {
        var conf = new NetConf();
        conf.ReadShared(json);
        return conf;
    }

    /// <summary>Fills the shared keys; a derived config calls this first, then reads its own.</summary>
    protected void ReadShared(JsonFields json)
    {
        Json = json;
        CniVersion = json.String("cniVersion");
        Name = json.String("name");
        Type = json.String("type");
        Capabilities = json.BoolMap("capabilities");
        Ipam = json.Raw("ipam");
        Dns = json.Object("dns") is { } dns ? SpecJson.ReadDns(dns) : null;
        RuntimeConfig = json.Raw("runtimeConfig");
        Args = json.Raw("args");
        PrevResult = json.Raw("prevResult");
    }
}
