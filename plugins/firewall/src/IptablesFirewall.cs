using System.Net;
using LibCni.Netfilter;
using LibCni.Types;

namespace CniPlugins.Firewall;

/// <summary>
/// The reference's iptables layout in the filter table, rule for rule and comment for comment, so a node
/// can switch between it and us either way:
/// <code>
/// -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD            (inserted first)
/// -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN (inserted first)
/// -A CNI-FORWARD -d 10.0.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
/// -A CNI-FORWARD -s 10.0.0.2/32 -j ACCEPT
/// </code>
/// Rules are written as iptables-save prints them: the same text checks for presence and deletes. One
/// iptables-save and at most one iptables-restore --noflush per family and operation.
/// </summary>
public sealed class IptablesFirewall(IIptablesTables iptables, string? lockPath = null) : IFirewall, IIngressIsolation
{
    /// <summary>Serialises our read-plan-apply cycles on a host, so concurrent ADDs never both insert a jump.</summary>
    public const string DefaultLockPath = "/run/lock/cni-firewall-iptables.lock";

    public const string Table = "filter";
    public const string ForwardChain = "CNI-FORWARD";
    public const string Stage1 = "CNI-ISOLATION-STAGE-1";
    public const string Stage2 = "CNI-ISOLATION-STAGE-2";

    public string Name => "iptables";

    public static string ForwardJump => $"-m comment --comment \"CNI firewall plugin rules\" -j {ForwardChain}";

    public static string AdminJump(string adminChain) => $"-m comment --comment \"CNI firewall plugin admin overrides\" -j {adminChain}";

    /// <summary>The two rules per address, as iptables-save prints them.</summary>
    public static IReadOnlyList<string> AddressRules(IPAddress address)
    {
        var host = FirewallConfig.HostPrefix(address);
        return [$"-d {host} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", $"-s {host} -j ACCEPT"];
    }

    public void Add(FirewallRequest request)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            var addresses = Family(request.Addresses, ipv6);
            if (addresses.Count == 0)
            {
                continue;
            }

            Apply(ipv6, table => AddScript(table, addresses, request.Config.AdminChain));
        }
    }

    internal static IptablesScript AddScript(IptablesTable table, IReadOnlyList<IPAddress> addresses, string adminChain)
    {
        var script = new IptablesScript(Table);
        foreach (var chain in new[] { ForwardChain, adminChain })
        {
            // -N, not ":CHAIN": with --noflush a declaration flushes a chain another writer made meanwhile; -N fails instead.
            if (!table.HasChain(chain))
            {
                script.Line($"-N {chain}");
            }
        }

        if (!table.Rules("FORWARD").Contains(ForwardJump))
        {
            script.Line($"-I FORWARD 1 {ForwardJump}");
        }

        if (!table.Rules(ForwardChain).Contains(AdminJump(adminChain)))
        {
            script.Line($"-I {ForwardChain} 1 {AdminJump(adminChain)}");
        }

        var present = table.Rules(ForwardChain).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in addresses.SelectMany(AddressRules))
        {
            if (present.Add(rule))
            {
                script.Line($"-A {ForwardChain} {rule}");
            }
        }

        return script;
    }

    public void Check(FirewallRequest request)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            var addresses = Family(request.Addresses, ipv6);
            if (addresses.Count > 0)
            {
                CheckTable(iptables.Save(ipv6, Table), addresses, request.Config.AdminChain);
            }
        }
    }

    internal static void CheckTable(IptablesTable table, IReadOnlyList<IPAddress> addresses, string adminChain)
    {
        foreach (var chain in new[] { ForwardChain, adminChain })
        {
            if (!table.HasChain(chain))
            {
                throw Missing($"chain {chain} not found");
            }
        }

        if (!table.Rules("FORWARD").Contains(ForwardJump))
        {
            throw Missing($"expected FORWARD rule {ForwardJump} not found");
        }

        if (!table.Rules(ForwardChain).Contains(AdminJump(adminChain)))
        {
            throw Missing($"expected {ForwardChain} rule {AdminJump(adminChain)} not found");
        }

        foreach (var rule in addresses.SelectMany(AddressRules))
        {
            if (!table.Rules(ForwardChain).Contains(rule))
            {
                throw Missing($"expected rule {rule} not found");
            }
        }
    }

    public void Del(FirewallRequest request)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            var addresses = Family(request.Addresses, ipv6);
            if (addresses.Count == 0 || !iptables.HasTable(ipv6, Table))
            {
                continue;
            }

            Apply(ipv6, table => DelScript(table, addresses));
        }
    }

    /// <summary>Deletes the address rules that are there; the chains and jumps stay, as the reference leaves them.</summary>
    internal static IptablesScript DelScript(IptablesTable table, IReadOnlyList<IPAddress> addresses)
    {
        var script = new IptablesScript(Table);
        var wanted = addresses.SelectMany(AddressRules).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in table.Rules(ForwardChain).Where(wanted.Contains))
        {
            script.Line($"-D {ForwardChain} {rule}");
        }

        return script;
    }

    public void Isolate(string bridge, bool isolated, bool ipv4, bool ipv6)
    {
        foreach (var v6 in new[] { false, true })
        {
            if (v6 ? ipv6 : ipv4)
            {
                Apply(v6, table => IsolationScript(table, bridge, isolated));
            }
        }
    }

    public static string PolicyComment(bool isolated) => $"-m comment --comment \"CNI firewall plugin rules (ingressPolicy: {(isolated ? "isolated" : "same-bridge")})\"";

    public const string DefaultPolicyComment = "-m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\"";

    /// <summary>The isolation rules of a bridge, as iptables-save prints them, by chain.</summary>
    public static IReadOnlyList<(string Chain, string Rule, bool Prepend)> IsolationRules(string bridge, bool isolated)
    {
        var rules = new List<(string, string, bool)>
        {
            ("FORWARD", $"{DefaultPolicyComment} -j {Stage1}", true),
            (Stage1, $"-i {bridge} ! -o {bridge} {PolicyComment(isolated)} -j {Stage2}", true),
        };
        if (isolated)
        {
            rules.Add((Stage1, $"-i {bridge} -o {bridge} {PolicyComment(true)} -j DROP", true));
        }

        rules.Add((Stage1, $"{DefaultPolicyComment} -j RETURN", false));
        rules.Add((Stage2, $"-o {bridge} {DefaultPolicyComment} -j DROP", true));
        rules.Add((Stage2, $"{DefaultPolicyComment} -j RETURN", false));
        return rules;
    }

    /// <summary>
    /// The reference's setupIsolationChains: each rule is added only when missing, the jump into stage 1
    /// before FORWARD's other rules (before CNI-FORWARD), bridge rules before the chains' RETURN.
    /// </summary>
    internal static IptablesScript IsolationScript(IptablesTable table, string bridge, bool isolated)
    {
        var script = new IptablesScript(Table);
        foreach (var chain in new[] { Stage1, Stage2 })
        {
            if (!table.HasChain(chain))
            {
                script.Line($"-N {chain}");
            }
        }

        foreach (var (chain, rule, prepend) in IsolationRules(bridge, isolated))
        {
            if (!HasIsolationRule(table, chain, rule))
            {
                script.Line(prepend ? $"-I {chain} 1 {rule}" : $"-A {chain} {rule}");
            }
        }

        return script;
    }

    /// <summary>
    /// Present as v1.9 writes it, or as older references (Debian's 1.1.1) did, commenting the shared rules
    /// "(ingressPolicy: same-bridge)" too: a node switching from those gets no duplicates.
    /// </summary>
    private static bool HasIsolationRule(IptablesTable table, string chain, string rule) =>
        table.Rules(chain).Contains(rule) ||
        table.Rules(chain).Contains(rule.Replace(DefaultPolicyComment, PolicyComment(false), StringComparison.Ordinal));

    public void CheckIsolation(string bridge, bool isolated, bool ipv4, bool ipv6)
    {
        foreach (var v6 in new[] { false, true })
        {
            if (v6 ? ipv6 : ipv4)
            {
                var table = iptables.Save(v6, Table);
                foreach (var (chain, rule, _) in IsolationRules(bridge, isolated))
                {
                    if (!HasIsolationRule(table, chain, rule))
                    {
                        throw Missing($"expected {chain} rule {rule} not found");
                    }
                }
            }
        }
    }

    public IReadOnlySet<string> IsolatedBridges()
    {
        var bridges = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v6 in new[] { false, true })
        {
            if (iptables.HasTable(v6, Table))
            {
                bridges.UnionWith(IsolatedBridges(iptables.Save(v6, Table)));
            }
        }

        return bridges;
    }

    /// <summary>The bridges our isolation rules name (<c>-i BR</c> / <c>-o BR</c> in a commented stage rule).</summary>
    internal static IEnumerable<string> IsolatedBridges(IptablesTable table) =>
        new[] { Stage1, Stage2 }.SelectMany(table.Rules).SelectMany(BridgesOf).Distinct(StringComparer.Ordinal);

    private static IEnumerable<string> BridgesOf(string rule)
    {
        if (!rule.Contains("--comment \"CNI firewall plugin rules", StringComparison.Ordinal))
        {
            yield break;
        }

        var words = rule.Split(' ');
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] is "-i" or "-o")
            {
                yield return words[i + 1];
            }
        }
    }

    public void RemoveIsolation(string bridge)
    {
        foreach (var v6 in new[] { false, true })
        {
            if (iptables.HasTable(v6, Table))
            {
                Apply(v6, table => RemoveIsolationScript(table, bridge));
            }
        }
    }

    internal static IptablesScript RemoveIsolationScript(IptablesTable table, string bridge)
    {
        var script = new IptablesScript(Table);
        foreach (var chain in new[] { Stage1, Stage2 })
        {
            foreach (var rule in table.Rules(chain).Where(r => BridgesOf(r).Contains(bridge, StringComparer.Ordinal)))
            {
                script.Line($"-D {chain} {rule}");
            }
        }

        return script;
    }

    /// <summary>
    /// Reads the table, plans, applies (one iptables-restore, all or nothing), under our lock. When another
    /// writer (the reference plugin, say) changed the table in between, the restore fails: plan again once.
    /// </summary>
    private void Apply(bool ipv6, Func<IptablesTable, IptablesScript> plan)
    {
        using var held = lockPath is null ? null : LibCni.Kernel.FileLock.Acquire(lockPath);
        for (var attempt = 1; ; attempt++)
        {
            var script = plan(iptables.Save(ipv6, Table));
            if (script.IsEmpty)
            {
                return;
            }

            try
            {
                iptables.Restore(ipv6, script.ToString());
                return;
            }
            catch (IOException e)
            {
                if (attempt == 2)
                {
                    throw new CniException(CniErrorCode.Internal, e.Message);
                }
            }
        }
    }

    private static List<IPAddress> Family(IReadOnlyList<IPAddress> addresses, bool ipv6) =>
        addresses.Where(a => IpText.IsV4(a) != ipv6).Distinct().ToList();

    private static CniException Missing(string what) => new(CniErrorCode.Internal, what);
}
