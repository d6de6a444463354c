using System.Globalization;
using LibCni.Netfilter;
using LibCni.Types;

namespace CniPlugins.Portmap;

/// <summary>
/// Port forwarding with iptables for hosts that need it, keeping the reference's chain names and rule
/// layout (CNI-HOSTPORT-DNAT, per-container CNI-DN-*, CNI-HOSTPORT-SETMARK, CNI-HOSTPORT-MASQ) so existing
/// tooling understands it. Per family and operation: one iptables-save, one iptables-restore --noflush.
/// </summary>
public sealed class IptablesPortForwarder(IIptablesRunner iptables) : IPortForwarder
{
    public const string DnatChain = "CNI-HOSTPORT-DNAT";
    public const string SetMarkChain = "CNI-HOSTPORT-SETMARK";
    public const string MasqChain = "CNI-HOSTPORT-MASQ";
    private const int MaxPortsPerMultiport = 15;

    public static string ContainerChain(string network, string containerId) => RuleTags.ChainName("CNI-DN-", network, containerId);

    public static string DnatComment(string network, string containerId) =>
        Cut($"dnat name: \"{network}\" id: \"{containerId}\"");

    public void Forward(PortmapRequest request)
    {
        foreach (var ipv4 in new[] { true, false })
        {
            if (request.ContainerAddress(ipv4) is { } container)
            {
                iptables.RestoreNat(!ipv4, ForwardScript(iptables.SaveNat(!ipv4), request, ipv4, container));
            }
        }
    }

    internal static string ForwardScript(IptablesTable table, PortmapRequest request, bool ipv4, CidrAddress container)
    {
        var config = request.Config;
        var chain = ContainerChain(request.NetworkName, request.ContainerId);
        var setMark = config.ExternalSetMarkChain ?? SetMarkChain;
        var mark = $"0x{config.MasqMark.ToString("x", CultureInfo.InvariantCulture)}";
        var script = new IptablesScript();

        // Declaring a chain with --noflush flushes it: only new shared chains are declared; ours always is.
        foreach (var shared in new[] { DnatChain }.Concat(config.Snat && config.ExternalSetMarkChain is null ? [SetMarkChain, MasqChain] : []))
        {
            if (!table.HasChain(shared))
            {
                script.DeclareChain(shared);
            }
        }

        script.DeclareChain(chain);
        if (config.Snat && config.ExternalSetMarkChain is null)
        {
            if (!table.HasChain(SetMarkChain))
            {
                script.Line($"-A {SetMarkChain} -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark {mark}/{mark}");
            }

            if (!table.HasChain(MasqChain))
            {
                script.Line($"-A {MasqChain} -m mark --mark {mark}/{mark} -j MASQUERADE");
            }

            if (!table.Rules("POSTROUTING").Any(r => r.EndsWith($"-j {MasqChain}", StringComparison.Ordinal)))
            {
                script.Line($"-I POSTROUTING 1 -m comment --comment \"CNI portfwd requiring masquerade\" -j {MasqChain}");
            }
        }

        foreach (var entry in new[] { "PREROUTING", "OUTPUT" })
        {
            if (!table.Rules(entry).Any(r => r.EndsWith($"-j {DnatChain}", StringComparison.Ordinal)))
            {
                script.Line($"-A {entry} -m addrtype --dst-type LOCAL -j {DnatChain}");
            }
        }

        // Re-ADD replaces the container's jumps rather than stacking duplicates.
        foreach (var stale in table.Rules(DnatChain).Where(r => r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
        {
            script.Line($"-D {DnatChain} {stale}");
        }

        var mappings = request.MappingsFor(ipv4);
        var conditions = string.Join(' ', ipv4 ? config.ConditionsV4 : config.ConditionsV6);
        var comment = DnatComment(request.NetworkName, request.ContainerId);
        foreach (var byProtocol in mappings.GroupBy(m => m.Protocol).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var chunk in byProtocol.Select(m => m.HostPort).Distinct().Chunk(MaxPortsPerMultiport))
            {
                script.Line($"-A {DnatChain} -m comment --comment \"{Escape(comment)}\" -m multiport -p {byProtocol.Key} --destination-ports {string.Join(',', chunk)}" +
                    (conditions.Length > 0 ? $" {conditions}" : "") + $" -j {chain}");
            }
        }

        var containerIp = IpText.Format(container.Address);
        var containerSource = config.MasqAll ? (ipv4 ? "0.0.0.0/0" : "::/0") : $"{container.Masked}";
        foreach (var mapping in mappings)
        {
            var match = $"-p {mapping.Protocol} -m {mapping.Protocol} --dport {mapping.HostPort}" +
                (mapping.Destination is { } hostIp ? $" -d {IpText.Format(hostIp)}/{(ipv4 ? 32 : 128)}" : "");
            if (config.Snat)
            {
                script.Line($"-A {chain} -s {containerSource} {match} -j {setMark}");
                if (ipv4 && !config.MasqAll)
                {
                    script.Line($"-A {chain} -s 127.0.0.1/32 {match} -j {setMark}");
                }
            }

            var destination = ipv4 ? $"{containerIp}:{mapping.ContainerPort}" : $"[{containerIp}]:{mapping.ContainerPort}";
            script.Line($"-A {chain} {match} -j DNAT --to-destination {destination}");
        }

        return script.ToString();
    }

    public void Check(PortmapRequest request)
    {
        var chain = ContainerChain(request.NetworkName, request.ContainerId);
        foreach (var ipv4 in new[] { true, false })
        {
            if (request.ContainerAddress(ipv4) is null)
            {
                continue;
            }

            var table = iptables.SaveNat(!ipv4);
            var name = ipv4 ? "IPv4" : "IPv6";
            if (!table.HasChain(chain))
            {
                throw new CniException(CniErrorCode.Internal, $"could not check {name} dnat: chain {chain} is missing");
            }

            if (!table.Rules(DnatChain).Any(r => r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
            {
                throw new CniException(CniErrorCode.Internal, $"could not check {name} dnat: no jump from {DnatChain} to {chain}");
            }

            foreach (var mapping in request.MappingsFor(ipv4))
            {
                if (!table.Rules(chain).Any(r => r.Contains($"--dport {mapping.HostPort} ", StringComparison.Ordinal) && r.Contains("-j DNAT", StringComparison.Ordinal)))
                {
                    throw new CniException(CniErrorCode.Internal, $"could not check {name} dnat: no DNAT rule for {mapping.Protocol} port {mapping.HostPort}", $"chain {chain}");
                }
            }
        }
    }

    public void Unforward(string networkName, string containerId) =>
        RemoveChains(_ => true, [ContainerChain(networkName, containerId)], [RuleTags.ChainName("CNI-SN-", networkName, containerId)]);

    public void Gc(string networkName, IReadOnlySet<string> validContainerIds)
    {
        var prefix = Cut($"dnat name: \"{networkName}\" id: \"");
        foreach (var ipv6 in new[] { false, true })
        {
            if (!iptables.HasTable(ipv6, "nat"))
            {
                continue;
            }

            var table = iptables.SaveNat(ipv6);
            var stale = table.Rules(DnatChain)
                .Where(r => r.Contains($"--comment \"{Escape(prefix)}", StringComparison.Ordinal))
                .Select(r => r[(r.LastIndexOf("-j ", StringComparison.Ordinal) + 3)..])
                .Distinct()
                .Where(c => !validContainerIds.Any(id => ContainerChain(networkName, id) == c))
                .ToList();
            var script = RemovalScript(table, stale, []);
            if (!script.IsEmpty)
            {
                iptables.RestoreNat(ipv6, script.ToString());
            }
        }
    }

    private void RemoveChains(Func<bool, bool> forFamily, IReadOnlyList<string> dnatChains, IReadOnlyList<string> legacySnatChains)
    {
        foreach (var ipv6 in new[] { false, true })
        {
            if (!forFamily(ipv6) || !iptables.HasTable(ipv6, "nat"))
            {
                continue;
            }

            var script = RemovalScript(iptables.SaveNat(ipv6), dnatChains, legacySnatChains);
            if (!script.IsEmpty)
            {
                iptables.RestoreNat(ipv6, script.ToString());
            }
        }
    }

    internal static IptablesScript RemovalScript(IptablesTable table, IReadOnlyList<string> dnatChains, IReadOnlyList<string> legacySnatChains)
    {
        var script = new IptablesScript();
        foreach (var (parent, chains) in new[] { (DnatChain, dnatChains), ("CNI-HOSTPORT-SNAT", legacySnatChains) })
        {
            foreach (var chain in chains)
            {
                foreach (var rule in table.Rules(parent).Where(r => r.EndsWith($"-j {chain}", StringComparison.Ordinal)))
                {
                    script.Line($"-D {parent} {rule}");
                }

                if (table.HasChain(chain))
                {
                    script.Line($"-F {chain}").Line($"-X {chain}");
                }
            }
        }

        return script;
    }

    /// <summary>iptables comments hold 255 characters; the reference keeps the first 253 and adds "...".</summary>
    private static string Cut(string comment) => comment.Length > 255 ? comment[..253] + "..." : comment;

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
