using System.Net;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Sbr;

/// <summary>
/// sbr's configuration: a fixed <c>table</c> (then only rules are made), or automatic tables with optional static
/// <c>gateways</c> (one per family) and <c>addSourceHints</c>, the options the reference added after v1.9.1's tag.
/// </summary>
public sealed record SbrConfig
{
    public const string Context = "failed to parse network configuration";

    public int? Table { get; init; }

    public IPAddress? GatewayV4 { get; init; }

    public IPAddress? GatewayV6 { get; init; }

    public bool AddSourceHints { get; init; }

    public ICniResult? PrevResult { get; init; }

    public static SbrConfig Parse(byte[] stdin, string configVersion)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var (v4, v6) = StaticGateways(conf.Json.Strings("gateways"));
        var prevResult = conf.ReadPrevResult(configVersion);

        return new SbrConfig
        {
            Table = conf.Json.Int32("table"),
            GatewayV4 = v4,
            GatewayV6 = v6,
            AddSourceHints = conf.Json.Bool("addSourceHints") ?? false,
            PrevResult = prevResult,
        };
    }

    /// <summary>At most one gateway per family. The reference checks this only in automatic mode, at ADD; ours on every verb.</summary>
    internal static (IPAddress? V4, IPAddress? V6) StaticGateways(IReadOnlyList<string>? gateways)
    {
        if (gateways is null)
        {
            return (null, null);
        }

        if (gateways.Count > 2)
        {
            throw Invalid("gateways list cannot contain more than 2 entries (one IPv4, one IPv6)", $"gateways has {gateways.Count} entries");
        }

        IPAddress? v4 = null, v6 = null;
        foreach (var text in gateways)
        {
            if (!IpText.TryParse(text, out var ip))
            {
                throw Invalid($"invalid static gateway IP address: {text}", $"gateways: \"{text}\" is not an IP address");
            }

            if (IpText.IsV4(ip))
            {
                v4 = v4 is null ? ip : throw Invalid($"gateways list contains multiple IPv4 addresses: {IpText.Format(v4)} and {text}", "gateways takes one IPv4 and one IPv6 address");
            }
            else
            {
                v6 = v6 is null ? ip : throw Invalid($"gateways list contains multiple IPv6 addresses: {IpText.Format(v6)} and {text}", "gateways takes one IPv4 and one IPv6 address");
            }
        }

        return (v4, v6);
    }

    private static CniException Invalid(string message, string details) => new(CniErrorCode.InvalidNetworkConfig, message, details);
}
