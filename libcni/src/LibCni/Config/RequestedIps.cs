using System.Net;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Config;

/// <summary>Whether a requested address may, or must, carry a prefix length.</summary>
public enum RequestedPrefix
{
    /// <summary><c>10.1.2.3</c> or <c>10.1.2.3/24</c> (host-local: only the address counts).</summary>
    Optional,

    /// <summary><c>10.1.2.3/24</c> only (static: the prefix is part of the result).</summary>
    Required,
}

/// <summary>
/// Addresses a runtime asks an IPAM plugin for (CONVENTIONS.md): CNI_ARGS <c>IP=</c>, <c>args.cni.ips</c> and the
/// <c>ips</c> capability (<c>runtimeConfig.ips</c>). Reading and parsing are shared; what a plugin does with the
/// addresses (append, replace, allocate) and its error texts stay with the plugin, passed in as <c>invalid</c>.
/// </summary>
public static class RequestedIps
{
    public const string ArgsField = "args.cni.ips";

    public const string RuntimeConfigField = "runtimeConfig.ips";

    /// <summary><c>args.cni.ips</c> of the whole config; null when absent. A <c>null</c> item is "", as Go decodes it.</summary>
    public static List<string>? FromArgs(JsonFields net) =>
        net.Object("args") is { } args && args.Object("cni") is { } cni ? cni.Strings("ips") : null;

    /// <summary><c>runtimeConfig.ips</c> of the whole config; null when absent.</summary>
    public static List<string>? FromRuntimeConfig(JsonFields net) =>
        net.Object("runtimeConfig") is { } runtimeConfig ? runtimeConfig.Strings("ips") : null;

    /// <summary>The items of a comma-separated CNI_ARGS value, each trimmed.</summary>
    public static List<string> SplitList(string value) => value.Split(',').Select(item => item.Trim()).ToList();

    /// <summary>
    /// One requested address. A bare address (allowed with <see cref="RequestedPrefix.Optional"/>) gets the
    /// host prefix (/32, /128); with a prefix the address keeps its host bits.
    /// </summary>
    public static bool TryParse(string? text, RequestedPrefix prefix, out CidrAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains('/'))
        {
            return CidrAddress.TryParse(text, out address);
        }

        if (prefix == RequestedPrefix.Required || !IpText.TryParse(text, out var ip))
        {
            return false;
        }

        address = new CidrAddress(ip, IpText.IsV4(ip) ? 32 : 128);
        return true;
    }

    /// <summary>
    /// Parses every entry of <paramref name="entries"/> (from <paramref name="field"/>); the first bad one is
    /// <paramref name="invalid"/>(value, <c>field[i]</c>).
    /// </summary>
    public static List<CidrAddress> ParseAll(IReadOnlyList<string>? entries, string field, RequestedPrefix prefix, Func<string, string, CniException> invalid)
    {
        var parsed = new List<CidrAddress>(entries?.Count ?? 0);
        for (var i = 0; i < (entries?.Count ?? 0); i++)
        {
            var value = entries![i];
            parsed.Add(TryParse(value, prefix, out var address) ? address : throw invalid(value, $"{field}[{i}]"));
        }

        return parsed;
    }

    /// <summary>The addresses alone, for plugins that ignore the prefix.</summary>
    public static List<IPAddress> Addresses(IEnumerable<CidrAddress> requested) => requested.Select(r => r.Address).ToList();
}
