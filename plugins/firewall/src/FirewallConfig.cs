using System.Net;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Firewall;

/// <summary>firewall's config as JSON; <see cref="FirewallConfig"/> is the validated form.</summary>
public sealed class FirewallNetConf : NetConf
{
    public string? Backend { get; set; }

    public string? IptablesAdminChainName { get; set; }

    public string? FirewalldZone { get; set; }

    public string? IngressPolicy { get; set; }

    public static new FirewallNetConf Read(JsonFields json)
    {
        var conf = new FirewallNetConf();
        conf.ReadShared(json);
        conf.Backend = json.String("backend");
        conf.IptablesAdminChainName = json.String("iptablesAdminChainName");
        conf.FirewalldZone = json.String("firewalldZone");
        conf.IngressPolicy = json.String("ingressPolicy");
        return conf;
    }
}

/// <summary>Which firewall gets the rules. <see cref="Auto"/>: firewalld when it runs on the system bus, else iptables (the reference's choice).</summary>
public enum FirewallBackend
{
    Auto,
    Iptables,
    Firewalld,
    Nftables,
}

public enum IngressPolicy
{
    /// <summary>Every inbound connection is accepted (the default).</summary>
    Open,

    /// <summary>Connections from other bridges are dropped; the same bridge may connect.</summary>
    SameBridge,

    /// <summary>Like same-bridge, and containers on the same bridge cannot connect to each other either.</summary>
    Isolated,
}

/// <summary>A validated firewall configuration plus what the plugin acts on from prevResult.</summary>
public sealed record FirewallConfig
{
    public const string DefaultAdminChain = "CNI-ADMIN";
    public const string DefaultZone = "trusted";

    public required string NetworkName { get; init; }

    public FirewallBackend Backend { get; init; }

    public string AdminChain { get; init; } = DefaultAdminChain;

    public string FirewalldZone { get; init; } = DefaultZone;

    public IngressPolicy IngressPolicy { get; init; }

    /// <summary>prevResult as parsed (in the config's version), or null when the runtime sent none.</summary>
    public ICniResult? PrevResult { get; init; }

    /// <summary>The addresses of prevResult, each as the single host the rules name (/32 or /128).</summary>
    public IReadOnlyList<IPAddress> Addresses { get; init; } = [];

    /// <summary>The name of prevResult's first interface: the bridge, when chained after bridge.</summary>
    public string? FirstInterface { get; init; }

    /// <summary>prevResult's host-side interfaces other than the first (the bridge's ports this attachment made: its veth).</summary>
    public IReadOnlyList<string> HostPorts { get; init; } = [];

    public static FirewallConfig Parse(byte[] stdin, string configVersion)
    {
        var conf = CniJson.Decode(stdin, FirewallNetConf.Read, "failed to load netconf");

        var backend = conf.Backend switch
        {
            null or "" => FirewallBackend.Auto,
            "iptables" => FirewallBackend.Iptables,
            "firewalld" => FirewallBackend.Firewalld,
            "nftables" => FirewallBackend.Nftables,
            _ => throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unknown backend \"{conf.Backend}\"",
                "backend must be \"iptables\", \"firewalld\", \"nftables\" or empty (firewalld when running, else iptables)"),
        };
        var policy = conf.IngressPolicy switch
        {
            null or "" or "open" => IngressPolicy.Open,
            "same-bridge" => IngressPolicy.SameBridge,
            "isolated" => IngressPolicy.Isolated,
            _ => throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unknown ingress policy: \"{conf.IngressPolicy}\"",
                "ingressPolicy must be \"open\", \"same-bridge\" or \"isolated\""),
        };
        var admin = string.IsNullOrEmpty(conf.IptablesAdminChainName) ? DefaultAdminChain : conf.IptablesAdminChainName;
        ValidateChainName(admin);

        ICniResult? prev = null;
        Result100? current = null;
        if (conf.HasPrevResult)
        {
            prev = CniJson.ParseResult(conf.PrevResult!.Value, configVersion, "could not parse prevResult");
            current = ResultConverter.ToResult100(prev);
        }

        return new FirewallConfig
        {
            NetworkName = conf.Name ?? "",
            Backend = backend,
            AdminChain = admin,
            FirewalldZone = string.IsNullOrEmpty(conf.FirewalldZone) ? DefaultZone : conf.FirewalldZone,
            IngressPolicy = policy,
            PrevResult = prev,
            Addresses = current?.Ips?.Select(ip => ip.Address.Address).ToList() ?? [],
            FirstInterface = current?.Interfaces is [var first, ..] ? first.Name : null,
            HostPorts = current?.Interfaces?.Skip(1).Where(i => string.IsNullOrEmpty(i.Sandbox) && i.Name.Length > 0).Select(i => i.Name).ToList() ?? [],
        };
    }

    /// <summary>The text of an address as the rules name it: the reference's ipString (<c>ADDR/32</c> or <c>ADDR/128</c>).</summary>
    public static string HostPrefix(IPAddress address) => $"{IpText.Format(address)}/{(IpText.IsV4(address) ? 32 : 128)}";

    /// <summary>iptables takes chain names up to 28 characters without blanks; refuse others before anything changes.</summary>
    private static void ValidateChainName(string chain)
    {
        if (chain.Length > 28 || chain.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '!') || chain.StartsWith('-'))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid iptablesAdminChainName \"{chain}\"",
                "a chain name has at most 28 characters, no blanks, quotes or '!', and does not start with '-'");
        }
    }
}
