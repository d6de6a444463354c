using System.Net;
using LibCni.Types;
using static LibCni.Netfilter.NftFields;

namespace LibCni.Netfilter.Masquerade;

/// <summary>
/// ipMasq with nftables, laid out as the reference lays it out (table <c>inet cni_plugins_masquerade</c>):
/// one rule per container address in <c>masq_checks</c>, tagged with a hash of (network, ifname, container),
/// so teardown finds exactly its own rules even when the netns and its addresses are gone.
/// </summary>
public sealed class NftMasquerade(Func<INftables> open) : IMasquerade
{
    public const string Table = "cni_plugins_masquerade";
    public const string Chain = "masq_checks";
    private const NftFamily Inet = NftFamily.Inet;

    public static string NetworkHash(string network) => RuleTags.Hash(16, "", network);

    public static string InstanceHash(string network, string ifName, string containerId) =>
        NetworkHash(network) + "-" + RuleTags.Hash(16, "", ifName + ":" + containerId);

    public static string Comment(string network, string ifName, string containerId) =>
        RuleTags.TruncateComment($"{InstanceHash(network, ifName, containerId)}, net: {network.Replace("\"", "", StringComparison.Ordinal)}, " +
            $"if: {ifName.Replace("\"", "", StringComparison.Ordinal)}, id: {containerId.Replace("\"", "", StringComparison.Ordinal)}");

    /// <summary>
    /// The table, <c>masq_checks</c>, and <c>postrouting</c> with its three fixed rules (multicast returns,
    /// then a goto into <c>masq_checks</c>).
    /// </summary>
    public static readonly NftLayout Layout = new NftLayout(new NftTable(Inet, Table) { Comment = "Masquerading for plugins from github.com/containernetworking/plugins" })
        .Chain(new NftChain(Inet, Table, Chain) { Comment = "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" })
        .FixedChain(new NftChain(Inet, Table, "postrouting") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) },
        [
            new NftRuleBuilder(Inet, Table, "postrouting").Match(IpDaddr == IPNetwork.Parse("224.0.0.0/4")).Return().Build(),
            new NftRuleBuilder(Inet, Table, "postrouting").Match(Ip6Daddr == IPNetwork.Parse("ff00::/8")).Return().Build(),
            new NftRuleBuilder(Inet, Table, "postrouting").Goto(Chain).Build(),
        ]);

    /// <summary>
    /// Adds this attachment's rules without reading or deleting any of theirs: the layout is repaired where it
    /// lacks a piece and otherwise left alone (the reference flushes and rewrites postrouting on every ADD).
    /// The reads are the table's chain list and postrouting's three rules, neither growing with the number of
    /// containers. Leftovers of an earlier ADD of the same attachment are not looked for: DEL and GC remove
    /// every rule tagged with the attachment's hash, duplicates included.
    /// </summary>
    public void Setup(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses)
    {
        using var nft = open();
        var comment = Comment(network, ifName, containerId);
        Layout.Apply(nft, addresses.Select(address => new NftAddRule(new NftRuleBuilder(Inet, Table, Chain)
            .Match((address.IsV4 ? IpSaddr : Ip6Saddr) == address.Address)
            .Match((address.IsV4 ? IpDaddr : Ip6Daddr) != address.Masked)
            .Masquerade()
            .Comment(comment)
            .Build())));
    }

    public void Teardown(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses)
    {
        using var nft = open();
        var prefix = InstanceHash(network, ifName, containerId);
        nft.DeleteRules(Inet, Table, Chain, c => c.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>Removes the masquerade rules of every attachment of <paramref name="network"/> not in <paramref name="valid"/>.</summary>
    public void Gc(string network, IReadOnlyCollection<(string ContainerId, string IfName)> valid)
    {
        using var nft = open();
        var keep = valid.Select(a => Comment(network, a.IfName, a.ContainerId)).ToHashSet(StringComparer.Ordinal);
        var networkPrefix = NetworkHash(network) + "-";
        nft.DeleteRules(Inet, Table, Chain, c => c.StartsWith(networkPrefix, StringComparison.Ordinal) && !keep.Contains(c));
    }
}
