using LibCni.Types;

namespace LibCni.Netfilter.Masquerade;

/// <summary>
/// ipMasq with iptables, in the reference's layout so existing tooling recognises it: a per-container
/// chain <c>CNI-&lt;hash&gt;</c> in the nat table that accepts the container's own subnet and masquerades
/// the rest (multicast excepted), jumped to from POSTROUTING for the container's source address.
/// One iptables-save and one iptables-restore per family and operation.
/// </summary>
public sealed class IptablesMasquerade(IIptablesRunner iptables) : IMasquerade
{
    public static string ChainName(string network, string containerId) => RuleTags.ChainName("CNI-", network, containerId);

    public static string Comment(string network, string containerId) => $"name: \"{network}\" id: \"{containerId}\"";

    public void Setup(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses)
    {
        foreach (var family in addresses.GroupBy(a => !a.IsV4))
        {
            var ipv6 = family.Key;
            var table = iptables.SaveNat(ipv6);
            iptables.RestoreNat(ipv6, SetupScript(table, network, containerId, family.ToList()));
        }
    }

    public void Teardown(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            if (!iptables.HasTable(ipv6, "nat"))
            {
                continue;
            }

            var script = TeardownScript(iptables.SaveNat(ipv6), network, containerId);
            if (!script.IsEmpty)
            {
                iptables.RestoreNat(ipv6, script.ToString());
            }
        }
    }

    internal static string SetupScript(IptablesTable table, string network, string containerId, IReadOnlyList<CidrAddress> addresses)
    {
        var chain = ChainName(network, containerId);
        var comment = Quote(Comment(network, containerId));
        var script = new IptablesScript().DeclareChain(chain);
        foreach (var address in addresses)
        {
            var multicast = address.IsV4 ? "224.0.0.0/4" : "ff00::/8";
            script.Line($"-A {chain} -d {address.Masked} -m comment --comment {comment} -j ACCEPT");
            script.Line($"-A {chain} ! -d {multicast} -m comment --comment {comment} -j MASQUERADE");
            var source = $"{IpText.Format(address.Address)}/{address.AddressBits}";
            if (!table.Rules("POSTROUTING").Any(r => r.Contains($"-s {source} ", StringComparison.Ordinal) && r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
            {
                script.Line($"-A POSTROUTING -s {source} -m comment --comment {comment} -j {chain}");
            }
        }

        return script.ToString();
    }

    /// <summary>Removes every POSTROUTING jump to the container's chain (whatever source form it has), then the chain.</summary>
    internal static IptablesScript TeardownScript(IptablesTable table, string network, string containerId)
    {
        var chain = ChainName(network, containerId);
        var script = new IptablesScript();
        foreach (var rule in table.Rules("POSTROUTING").Where(r => r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
        {
            script.Line($"-D POSTROUTING {rule}");
        }

        if (table.HasChain(chain))
        {
            script.Line($"-F {chain}").Line($"-X {chain}");
        }

        return script;
    }

    /// <summary>
    /// The iptables layout has no GC in the reference; ours reads the owner from the comment every POSTROUTING
    /// jump carries (<c>name: "net" id: "container"</c>, also written by the reference) and removes the chains of
    /// containers of this network that are not valid attachments.
    /// </summary>
    public void Gc(string network, IReadOnlyCollection<(string ContainerId, string IfName)> valid)
    {
        var keep = valid.Select(a => ChainName(network, a.ContainerId)).ToHashSet(StringComparer.Ordinal);
        foreach (var ipv6 in new[] { false, true })
        {
            if (!iptables.HasTable(ipv6, "nat"))
            {
                continue;
            }

            var table = iptables.SaveNat(ipv6);
            var script = GcScript(table, network, keep);
            if (!script.IsEmpty)
            {
                iptables.RestoreNat(ipv6, script.ToString());
            }
        }
    }

    internal static IptablesScript GcScript(IptablesTable table, string network, IReadOnlySet<string> keepChains)
    {
        var script = new IptablesScript();
        var owned = $"--comment \"name: \\\"{Escape(network)}\\\" id: \\\"";
        var stale = table.Rules("POSTROUTING")
            .Where(r => r.Contains(owned, StringComparison.Ordinal))
            .Select(r => r[(r.LastIndexOf("-j ", StringComparison.Ordinal) + 3)..])
            .Where(chain => chain.StartsWith("CNI-", StringComparison.Ordinal) && !keepChains.Contains(chain))
            .Distinct()
            .ToList();
        foreach (var chain in stale)
        {
            foreach (var rule in table.Rules("POSTROUTING").Where(r => r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
            {
                script.Line($"-D POSTROUTING {rule}");
            }

            if (table.HasChain(chain))
            {
                script.Line($"-F {chain}").Line($"-X {chain}");
            }
        }

        return script;
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
