using System.Net;
using LibCni.Netfilter;
using static LibCni.Netfilter.NftFields;

namespace LibCni.Netfilter.Tests;

/// <summary>
/// The reference plugins' nftables rulesets (cni-features.md §4.1 ipMasq, §4.4 portmap), built with this
/// library as the plugins will, next to the nft text the Go plugins hand to nft for the same state.
/// </summary>
internal static class ReferenceRulesets
{
    public const string MasqTable = "cni_plugins_masquerade";
    public const string MasqChain = "masq_checks";
    public const string HostPortTable = "cni_hostport";

    /// <summary>bridge ipMasq ADD for one container address: ensure table/chains, rebuild postrouting, add the per-container rule.</summary>
    public static NftTransaction IpMasqAdd(CidrAddressText container, string comment, IEnumerable<NftRule>? staleRules = null)
    {
        const NftFamily inet = NftFamily.Inet;
        var tx = new NftTransaction()
            .Add(new NftTable(inet, MasqTable) { Comment = "Masquerading for plugins from github.com/containernetworking/plugins" })
            .Add(new NftChain(inet, MasqTable, MasqChain) { Comment = "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" })
            .Add(new NftChain(inet, MasqTable, "postrouting") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) })
            .Flush(inet, MasqTable, "postrouting")
            .Add(new NftRuleBuilder(inet, MasqTable, "postrouting").Match(IpDaddr == IPNetwork.Parse("224.0.0.0/4")).Return())
            .Add(new NftRuleBuilder(inet, MasqTable, "postrouting").Match(Ip6Daddr == IPNetwork.Parse("ff00::/8")).Return())
            .Add(new NftRuleBuilder(inet, MasqTable, "postrouting").Goto(MasqChain));
        foreach (var stale in staleRules ?? [])
        {
            tx.Delete(stale);
        }

        var v4 = container.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        return tx.Add(new NftRuleBuilder(inet, MasqTable, MasqChain)
            .Match((v4 ? IpSaddr : Ip6Saddr) == container.Address)
            .Match((v4 ? IpDaddr : Ip6Daddr) != container.Network)
            .Masquerade()
            .Comment(comment));
    }

    public static string IpMasqNftScript(string containerIp, string subnet, string comment, bool v6 = false) => $$"""
        add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }
        add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }
        add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat ; }
        flush chain inet cni_plugins_masquerade postrouting
        add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return
        add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return
        add rule inet cni_plugins_masquerade postrouting goto masq_checks
        add rule inet cni_plugins_masquerade masq_checks {{(v6 ? "ip6" : "ip")}} saddr == {{containerIp}} {{(v6 ? "ip6" : "ip")}} daddr != {{subnet}} masquerade comment "{{comment}}"

        """;

    /// <summary>portmap nftables ADD for one family: tables, chains, rebuilt dispatch rules, DNAT per mapping, masquerading.</summary>
    public static NftTransaction PortmapAdd(NftFamily family, IPAddress container, string containerId, IReadOnlyList<(string Proto, int HostPort, int ContainerPort, IPAddress? HostIp)> mappings, bool snat = true)
    {
        var saddr = family == NftFamily.Ip ? IpSaddr : Ip6Saddr;
        var daddr = family == NftFamily.Ip ? IpDaddr : Ip6Daddr;
        var tx = new NftTransaction()
            .Add(new NftTable(family, HostPortTable) { Comment = "CNI portmap plugin" })
            .Add(new NftChain(family, HostPortTable, "hostports"))
            .Add(new NftChain(family, HostPortTable, "hostip_hostports"))
            .Add(new NftChain(family, HostPortTable, "hostports_all"))
            .Flush(family, HostPortTable, "hostports_all")
            .Add(new NftRuleBuilder(family, HostPortTable, "hostports_all").Jump("hostip_hostports"))
            .Add(new NftRuleBuilder(family, HostPortTable, "hostports_all").Jump("hostports"));
        foreach (var (name, hook) in new[] { ("prerouting", NftHook.Prerouting), ("output", NftHook.Output) })
        {
            tx.Add(new NftChain(family, HostPortTable, name) { Base = new NftBaseChain("nat", hook, NftPriority.DstNat) })
                .Flush(family, HostPortTable, name)
                .Add(new NftRuleBuilder(family, HostPortTable, name).Match(FibDaddrType == "local").Jump("hostports_all"));
        }

        if (snat)
        {
            tx.Add(new NftChain(family, HostPortTable, "masquerading") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) });
        }

        foreach (var (proto, hostPort, containerPort, hostIp) in mappings)
        {
            var rule = new NftRuleBuilder(family, HostPortTable, "hostports");
            if (hostIp is not null)
            {
                rule.Match(daddr == hostIp);
            }

            tx.Add(rule.Match(L4Proto == proto).Match(ThDport == hostPort).Dnat(container, containerPort).Comment(containerId));
        }

        if (snat)
        {
            tx.Add(new NftRuleBuilder(family, HostPortTable, "masquerading").Match(saddr == container).Match(daddr == container).Masquerade().Comment(containerId));
            if (family == NftFamily.Ip)
            {
                tx.Add(new NftRuleBuilder(family, HostPortTable, "masquerading").Match(saddr == IPAddress.Loopback).Match(daddr == container).Masquerade().Comment(containerId));
            }
        }

        return tx;
    }

    public const string PortmapNftScriptV4 = """
        add table ip cni_hostport { comment "CNI portmap plugin" ; }
        add chain ip cni_hostport hostports
        add chain ip cni_hostport hostip_hostports
        add chain ip cni_hostport hostports_all
        flush chain ip cni_hostport hostports_all
        add rule ip cni_hostport hostports_all jump hostip_hostports
        add rule ip cni_hostport hostports_all jump hostports
        add chain ip cni_hostport prerouting { type nat hook prerouting priority dstnat ; }
        flush chain ip cni_hostport prerouting
        add rule ip cni_hostport prerouting fib daddr type local jump hostports_all
        add chain ip cni_hostport output { type nat hook output priority -100 ; }
        flush chain ip cni_hostport output
        add rule ip cni_hostport output fib daddr type local jump hostports_all
        add chain ip cni_hostport masquerading { type nat hook postrouting priority srcnat ; }
        add rule ip cni_hostport hostports tcp dport 8080 dnat to 10.0.0.2:80 comment "icee6giejonei6so"
        add rule ip cni_hostport hostports ip daddr 192.168.0.2 udp dport 53 dnat to 10.0.0.2:5353 comment "icee6giejonei6so"
        add rule ip cni_hostport masquerading ip saddr 10.0.0.2 ip daddr 10.0.0.2 masquerade comment "icee6giejonei6so"
        add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.0.0.2 masquerade comment "icee6giejonei6so"

        """;

    public const string PortmapNftScriptV6 = """
        add table ip6 cni_hostport { comment "CNI portmap plugin" ; }
        add chain ip6 cni_hostport hostports
        add chain ip6 cni_hostport hostip_hostports
        add chain ip6 cni_hostport hostports_all
        flush chain ip6 cni_hostport hostports_all
        add rule ip6 cni_hostport hostports_all jump hostip_hostports
        add rule ip6 cni_hostport hostports_all jump hostports
        add chain ip6 cni_hostport prerouting { type nat hook prerouting priority dstnat ; }
        flush chain ip6 cni_hostport prerouting
        add rule ip6 cni_hostport prerouting fib daddr type local jump hostports_all
        add chain ip6 cni_hostport output { type nat hook output priority -100 ; }
        flush chain ip6 cni_hostport output
        add rule ip6 cni_hostport output fib daddr type local jump hostports_all
        add chain ip6 cni_hostport masquerading { type nat hook postrouting priority srcnat ; }
        add rule ip6 cni_hostport hostports tcp dport 8080 dnat to [2001:db8::2]:80 comment "icee6giejonei6so"
        add rule ip6 cni_hostport masquerading ip6 saddr 2001:db8::2 ip6 daddr 2001:db8::2 masquerade comment "icee6giejonei6so"

        """;

    public static readonly (string, int, int, IPAddress?)[] PortmapMappingsV4 =
    [
        ("tcp", 8080, 80, null),
        ("udp", 53, 5353, IPAddress.Parse("192.168.0.2")),
    ];

    public static readonly (string, int, int, IPAddress?)[] PortmapMappingsV6 = [("tcp", 8080, 80, null)];
}

/// <summary>A container address with its subnet, as bridge hands it to ipMasq.</summary>
internal sealed record CidrAddressText(IPAddress Address, IPNetwork Network)
{
    public static CidrAddressText Parse(string cidr)
    {
        var c = LibCni.Types.CidrAddress.Parse(cidr);
        return new(c.Address, new IPNetwork(c.Network, c.PrefixLength));
    }
}
