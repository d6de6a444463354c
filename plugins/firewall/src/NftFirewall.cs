using System.Net;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.Types;
using static LibCni.Netfilter.NftFields;

namespace CniPlugins.Firewall;

/// <summary>
/// The iptables layout in nftables, over in-process netlink (no iptables binary), in one table:
/// <code>
/// table inet cni_firewall {
///   chain forward { type filter hook forward priority filter; policy accept;
///     jump CNI-ISOLATION-STAGE-1; jump CNI-ADMIN; jump CNI-FORWARD }  (rewritten by an ADD that finds it different)
///   chain CNI-FORWARD {
///     ip daddr 10.0.0.2 ct state established,related accept comment "TAG"
///     ip saddr 10.0.0.2 accept comment "TAG" }
///   chain CNI-ADMIN { }                                               (the administrator's)
///   chain CNI-ISOLATION-STAGE-1 { iifname "br0" oifname != "br0" jump CNI-ISOLATION-STAGE-2 }
///   chain CNI-ISOLATION-STAGE-2 { oifname "br0" drop }
/// }
/// </code>
/// TAG names (network, container), so DEL needs neither prevResult nor the addresses and GC knows whose
/// a rule is. As in iptables, an accept here does not override a drop in another table at the same hook.
/// </summary>
public sealed class NftFirewall(Func<INftables> open) : IFirewall, IIngressIsolation
{
    public const string TableName = "cni_firewall";
    public const string BaseChain = "forward";
    public const string AdminComment = "CNI firewall plugin admin overrides";
    private const NftFamily Family = NftFamily.Inet;

    public string Name => "nftables";

    /// <summary>Network tag (16 hex digits of SHA-512 of the name) and container ID, hashed when too long for a comment.</summary>
    public static string Tag(string network, string containerId)
    {
        var tag = $"{NetworkTag(network)}-{containerId}";
        return System.Text.Encoding.UTF8.GetByteCount(tag) <= RuleTags.MaxCommentLength ? tag : $"{NetworkTag(network)}-sha512:{RuleTags.Hash(64, "", containerId)}";
    }

    public static string NetworkTag(string network) => RuleTags.Hash(16, "", network);

    public void Add(FirewallRequest request)
    {
        using var nft = open();
        var chains = nft.ListChains(Family, TableName);
        var tag = Tag(request.NetworkName, request.ContainerId);
        var present = chains.Any(c => c.Name == IptablesFirewall.ForwardChain)
            ? nft.ListRules(Family, TableName, IptablesFirewall.ForwardChain).Where(r => r.Comment == tag).ToList()
            : [];
        var missing = AddressRules(request.Addresses, tag).Where(rule => !present.Any(p => p.Matches(rule)));
        Layout(chains, request.Config.AdminChain).Apply(nft, missing.Select(r => new NftAddRule(r)), chains);
    }

    /// <summary>
    /// The table and chains, with the base chain's jumps as fixed content (rewritten in one transaction when they
    /// differ, so concurrent ADDs never duplicate them): isolation first, then every admin chain (chains carrying
    /// the admin comment, one per iptablesAdminChainName in use), then CNI-FORWARD, so admin rules see traffic
    /// before the accepts.
    /// </summary>
    internal static NftLayout Layout(IReadOnlyList<NftChain> chains, string adminChain)
    {
        var admins = chains.Where(c => c.Comment == AdminComment).Select(c => c.Name)
            .Append(adminChain).Distinct().Order(StringComparer.Ordinal);
        var jumps = new List<NftRule> { new NftRuleBuilder(Family, TableName, BaseChain).Jump(IptablesFirewall.Stage1).Build() };
        jumps.AddRange(admins.Select(AdminJump));
        jumps.Add(new NftRuleBuilder(Family, TableName, BaseChain).Jump(IptablesFirewall.ForwardChain).Build());
        return new NftLayout(new NftTable(Family, TableName) { Comment = "CNI firewall plugin" })
            .Chain(new NftChain(Family, TableName, IptablesFirewall.Stage1))
            .Chain(new NftChain(Family, TableName, IptablesFirewall.Stage2))
            .Chain(new NftChain(Family, TableName, IptablesFirewall.ForwardChain))
            .Chain(new NftChain(Family, TableName, adminChain) { Comment = AdminComment })
            .FixedChain(new NftChain(Family, TableName, BaseChain) { Base = new NftBaseChain("filter", NftHook.Forward, 0, NftPolicy.Accept) }, jumps);
    }

    public static NftRule AdminJump(string adminChain) => new NftRuleBuilder(Family, TableName, BaseChain).Jump(adminChain).Comment(AdminComment).Build();

    public static IReadOnlyList<NftRule> AddressRules(IReadOnlyList<IPAddress> addresses, string tag)
    {
        var rules = new List<NftRule>();
        foreach (var address in addresses.Distinct())
        {
            var v4 = IpText.IsV4(address);
            var established = new NftRuleBuilder(Family, TableName, IptablesFirewall.ForwardChain).Match((v4 ? IpDaddr : Ip6Daddr) == address);
            foreach (var expression in NftCt.StateIn(NftCtState.Established | NftCtState.Related))
            {
                established.Add(expression);
            }

            rules.Add(established.Accept().Comment(tag).Build());
            rules.Add(new NftRuleBuilder(Family, TableName, IptablesFirewall.ForwardChain).Match((v4 ? IpSaddr : Ip6Saddr) == address).Accept().Comment(tag).Build());
        }

        return rules;
    }

    public void Check(FirewallRequest request)
    {
        using var nft = open();
        if (!nft.ListChains(Family, TableName).Any(c => c.Name == BaseChain))
        {
            throw new CniException(CniErrorCode.Internal, $"nftables table inet {TableName} or its chain {BaseChain} not found");
        }

        if (!nft.ListRules(Family, TableName, BaseChain).Any(r => r.Matches(AdminJump(request.Config.AdminChain))))
        {
            throw new CniException(CniErrorCode.Internal, $"expected {BaseChain} rule jump {request.Config.AdminChain} not found");
        }

        var rules = nft.ListRules(Family, TableName, IptablesFirewall.ForwardChain);

        var tag = Tag(request.NetworkName, request.ContainerId);
        foreach (var rule in AddressRules(request.Addresses, tag))
        {
            if (!rules.Any(r => r.Comment == tag && r.Matches(rule)))
            {
                throw new CniException(CniErrorCode.Internal, $"expected rule not found: {rule}");
            }
        }
    }

    public void Del(FirewallRequest request)
    {
        using var nft = open();
        var tag = Tag(request.NetworkName, request.ContainerId);
        nft.DeleteRules(Family, TableName, IptablesFirewall.ForwardChain, c => c == tag);
    }

    public void Gc(string networkName, IReadOnlySet<string> validContainerIds)
    {
        using var nft = open();
        var prefix = NetworkTag(networkName) + "-";
        var keep = validContainerIds.Select(id => Tag(networkName, id)).ToHashSet(StringComparer.Ordinal);
        nft.DeleteRules(Family, TableName, IptablesFirewall.ForwardChain, c => c.StartsWith(prefix, StringComparison.Ordinal) && !keep.Contains(c));
    }


    public static IReadOnlyList<NftRule> IsolationRules(string bridge, bool isolated)
    {
        var rules = new List<NftRule>
        {
            new NftRuleBuilder(Family, TableName, IptablesFirewall.Stage1).Match(IifName == bridge).Match(OifName != bridge).Jump(IptablesFirewall.Stage2)
                .Comment($"CNI firewall plugin rules (ingressPolicy: {(isolated ? "isolated" : "same-bridge")})").Build(),
        };
        if (isolated)
        {
            rules.Add(new NftRuleBuilder(Family, TableName, IptablesFirewall.Stage1).Match(IifName == bridge).Match(OifName == bridge).Drop()
                .Comment("CNI firewall plugin rules (ingressPolicy: isolated)").Build());
        }

        rules.Add(new NftRuleBuilder(Family, TableName, IptablesFirewall.Stage2).Match(OifName == bridge).Drop()
            .Comment("CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)").Build());
        return rules;
    }

    public void Isolate(string bridge, bool isolated, bool ipv4, bool ipv6)
    {
        // One inet table serves both families; the chains exist since the backend's Add ran first.
        using var nft = open();
        var tx = new NftTransaction();
        foreach (var rule in IsolationRules(bridge, isolated))
        {
            if (!nft.ListRules(Family, TableName, rule.Chain).Any(r => r.Matches(rule)))
            {
                tx.Add(rule);
            }
        }

        nft.Run(tx);
    }

    public void CheckIsolation(string bridge, bool isolated, bool ipv4, bool ipv6)
    {
        using var nft = open();
        foreach (var rule in IsolationRules(bridge, isolated))
        {
            if (!nft.ListRules(Family, TableName, rule.Chain).Any(r => r.Matches(rule)))
            {
                throw new CniException(CniErrorCode.Internal, $"expected rule not found: {rule}");
            }
        }
    }

    public IReadOnlySet<string> IsolatedBridges()
    {
        using var nft = open();
        return IsolationRulesIn(nft).Select(p => p.Bridge).ToHashSet(StringComparer.Ordinal);
    }

    public void RemoveIsolation(string bridge)
    {
        using var nft = open();
        var tx = new NftTransaction();
        foreach (var (rule, _) in IsolationRulesIn(nft).Where(p => p.Bridge == bridge))
        {
            tx.Delete(rule);
        }

        nft.Run(tx);
    }

    /// <summary>The stage rules that are exactly our isolation rules for some bridge, with that bridge.</summary>
    private static IEnumerable<(NftRule Rule, string Bridge)> IsolationRulesIn(INftables nft)
    {
        foreach (var chain in new[] { IptablesFirewall.Stage1, IptablesFirewall.Stage2 })
        {
            foreach (var rule in nft.ListRules(Family, TableName, chain))
            {
                if (InterfaceNameOf(rule) is { } bridge &&
                    IsolationRules(bridge, false).Concat(IsolationRules(bridge, true)).Any(r => r.Chain == chain && rule.Matches(r)))
                {
                    yield return (rule, bridge);
                }
            }
        }
    }

    /// <summary>The name compared by a rule's first cmp (NFTA_CMP_DATA, NFTA_DATA_VALUE), NUL padding dropped.</summary>
    private static string? InterfaceNameOf(NftRule rule)
    {
        var cmp = rule.Expressions.FirstOrDefault(e => e.Name == "cmp");
        if (cmp is null)
        {
            return null;
        }

        var data = NetlinkAttribute.ParseAll(cmp.EncodeData()).Where(a => (a.Type & 0x3fff) == 3).Select(a => a.Value).FirstOrDefault();
        var value = NetlinkAttribute.ParseAll(data).Where(a => (a.Type & 0x3fff) == 1).Select(a => a.Value.ToArray()).FirstOrDefault();
        if (value is null)
        {
            return null;
        }

        var end = Array.IndexOf(value, (byte)0);
        var name = System.Text.Encoding.UTF8.GetString(value, 0, end < 0 ? value.Length : end);
        return name.Length == 0 ? null : name;
    }
}
