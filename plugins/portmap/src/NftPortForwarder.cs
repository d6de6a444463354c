using System.Net;
using LibCni.Netfilter;
using LibCni.Types;
using static LibCni.Netfilter.NftFields;

namespace CniPlugins.Portmap;

/// <summary>
/// Port forwarding with in-process nftables, in the reference's layout (tables <c>ip|ip6 cni_hostport</c>).
/// Each ADD appends its rules in one transaction without reading the growing <c>hostports</c> chain, so
/// its cost does not grow with the number of mapped containers. Rules carry a tag of (network, container):
/// DEL and GC find exactly theirs, even when the runtime sends no portMappings.
/// </summary>
public sealed class NftPortForwarder(Func<INftables> open) : IPortForwarder
{
    public const string Table = "cni_hostport";
    private static readonly string[] TaggedChains = ["hostports", "hostip_hostports", "masquerading"];

    public static string NetworkTag(string network) => RuleTags.Hash(16, "", network);

    /// <summary>
    /// The rule comment of a container. IDs too long for the 128-byte comment are replaced by their hash, so
    /// two long IDs sharing a prefix never share a tag.
    /// </summary>
    public static string Tag(string network, string containerId)
    {
        var tag = $"{NetworkTag(network)}-{containerId}";
        return System.Text.Encoding.UTF8.GetByteCount(tag) <= RuleTags.MaxCommentLength
            ? tag
            : $"{NetworkTag(network)}-sha512:{RuleTags.Hash(64, "", containerId)}";
    }

    public void Forward(PortmapRequest request)
    {
        using var nft = open();
        foreach (var ipv4 in new[] { true, false })
        {
            if (request.ContainerAddress(ipv4) is { } container)
            {
                Layout(request.Config, ipv4).Apply(nft, Rules(request, ipv4, container.Address).Select(r => new NftAddRule(r)));
            }
        }
    }

    /// <summary>The whole of one family's ADD, whatever the kernel holds: the layout, then the container's rules.</summary>
    public static NftTransaction ForwardTransaction(PortmapRequest request, bool ipv4, IPAddress container)
    {
        var tx = Layout(request.Config, ipv4).Full();
        foreach (var rule in Rules(request, ipv4, container))
        {
            tx.Add(rule);
        }

        return tx;
    }

    /// <summary>
    /// The table, its chains, and the fixed dispatch: <c>hostports_all</c> jumps to the host-IP and the any-IP
    /// chains, and the prerouting and output base chains jump there for local destinations matching the
    /// configured conditions (the last ADD's conditions win, as in the reference).
    /// </summary>
    public static NftLayout Layout(PortmapConfig config, bool ipv4)
    {
        var family = ipv4 ? NftFamily.Ip : NftFamily.Ip6;
        var conditions = NftConditions.Parse(ipv4 ? config.ConditionsV4 : config.ConditionsV6, ipv4);
        var layout = new NftLayout(new NftTable(family, Table) { Comment = "CNI portmap plugin" })
            .Chain(new NftChain(family, Table, "hostports"))
            .Chain(new NftChain(family, Table, "hostip_hostports"))
            .FixedChain(new NftChain(family, Table, "hostports_all"),
            [
                new NftRuleBuilder(family, Table, "hostports_all").Jump("hostip_hostports").Build(),
                new NftRuleBuilder(family, Table, "hostports_all").Jump("hostports").Build(),
            ]);
        foreach (var (name, hook) in new[] { ("prerouting", NftHook.Prerouting), ("output", NftHook.Output) })
        {
            var dispatch = new NftRuleBuilder(family, Table, name);
            foreach (var condition in conditions)
            {
                dispatch.Match(condition);
            }

            layout.FixedChain(new NftChain(family, Table, name) { Base = new NftBaseChain("nat", hook, NftPriority.DstNat) },
                [dispatch.Match(FibDaddrType == "local").Jump("hostports_all").Build()]);
        }

        return config.Snat
            ? layout.Chain(new NftChain(family, Table, "masquerading") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) })
            : layout;
    }

    /// <summary>The container's own rules: one DNAT per mapping, and with snat the hairpin masquerades.</summary>
    public static IReadOnlyList<NftRule> Rules(PortmapRequest request, bool ipv4, IPAddress container)
    {
        var family = ipv4 ? NftFamily.Ip : NftFamily.Ip6;
        var config = request.Config;
        var saddr = ipv4 ? IpSaddr : Ip6Saddr;
        var daddr = ipv4 ? IpDaddr : Ip6Daddr;
        var tag = Tag(request.NetworkName, request.ContainerId);
        var rules = new List<NftRule>();
        foreach (var mapping in request.MappingsFor(ipv4))
        {
            var rule = new NftRuleBuilder(family, Table, "hostports");
            if (mapping.Destination is { } hostIp)
            {
                rule.Match(daddr == hostIp);
            }

            rules.Add(rule.Match(L4Proto == mapping.Protocol).Match(ThDport == mapping.HostPort).Dnat(container, mapping.ContainerPort).Comment(tag).Build());
        }

        if (config.Snat)
        {
            var hairpin = new NftRuleBuilder(family, Table, "masquerading");
            if (!config.MasqAll)
            {
                hairpin.Match(saddr == container);
            }

            rules.Add(hairpin.Match(daddr == container).Masquerade().Comment(tag).Build());
            if (ipv4 && !config.MasqAll)
            {
                rules.Add(new NftRuleBuilder(family, Table, "masquerading").Match(saddr == IPAddress.Loopback).Match(daddr == container).Masquerade().Comment(tag).Build());
            }
        }

        return rules;
    }

    /// <summary>CHECK for each family the container has an address in (an IPv4-only container has no IPv6 rules to find).</summary>
    public void Check(PortmapRequest request)
    {
        using var nft = open();
        var tag = Tag(request.NetworkName, request.ContainerId);
        foreach (var ipv4 in new[] { true, false })
        {
            if (request.ContainerAddress(ipv4) is null)
            {
                continue;
            }

            var family = ipv4 ? NftFamily.Ip : NftFamily.Ip6;
            var name = ipv4 ? "IPv4" : "IPv6";
            var expected = request.MappingsFor(ipv4).Count;
            // Rules the reference (v1.9) made carry the bare container ID: a container it mapped checks too.
            bool Ours(string c) => c == tag || c == request.ContainerId;
            var dnat = nft.FindRules(family, Table, "hostports", Ours).Count;
            if (dnat < expected)
            {
                throw new CniException(CniErrorCode.Internal, $"could not check {name} dnat: {dnat} of {expected} port mapping rules present",
                    $"table {(ipv4 ? "ip" : "ip6")} {Table} chain hostports, tag \"{tag}\"");
            }

            if (request.Config.Snat)
            {
                var wanted = ipv4 && !request.Config.MasqAll ? 2 : 1;
                var masq = nft.FindRules(family, Table, "masquerading", Ours).Count;
                if (masq < wanted)
                {
                    throw new CniException(CniErrorCode.Internal, $"could not check {name} snat: {masq} of {wanted} masquerade rules present",
                        $"table {(ipv4 ? "ip" : "ip6")} {Table} chain masquerading, tag \"{tag}\"");
                }
            }
        }
    }

    public void Unforward(string networkName, string containerId)
    {
        var tag = Tag(networkName, containerId);

        // Rules the reference plugin made carry the bare container ID.
        DeleteWhere(c => c == tag || c == containerId);
    }

    public void Gc(string networkName, IReadOnlySet<string> validContainerIds)
    {
        var prefix = NetworkTag(networkName) + "-";
        var keep = validContainerIds.Select(id => Tag(networkName, id)).ToHashSet(StringComparer.Ordinal);
        DeleteWhere(c => c.StartsWith(prefix, StringComparison.Ordinal) && !keep.Contains(c));
    }

    private void DeleteWhere(Func<string, bool> predicate)
    {
        using var nft = open();
        foreach (var family in new[] { NftFamily.Ip, NftFamily.Ip6 })
        {
            var tx = new NftTransaction();
            foreach (var chain in TaggedChains)
            {
                foreach (var rule in nft.FindRules(family, Table, chain, predicate))
                {
                    tx.Delete(rule);
                }
            }

            if (!tx.IsEmpty)
            {
                nft.Run(tx);
            }
        }
    }
}
