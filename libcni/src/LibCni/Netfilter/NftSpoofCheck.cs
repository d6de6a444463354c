using System.Net.NetworkInformation;
using static LibCni.Netfilter.NftFields;

namespace LibCni.Netfilter;

/// <summary>MAC anti-spoofing on a host-side link (bridge's macspoofchk option).</summary>
public interface ISpoofCheck
{
    void Setup(string hostVeth, string containerMac, string attachmentId);

    void Teardown(string attachmentId);
}

/// <summary>
/// macspoofchk with the nftables bridge family, as the reference lays it out: table <c>bridge nat</c>,
/// base chain PREROUTING, and per attachment a chain that drops frames from the host veth whose source
/// MAC is not the container's.
/// </summary>
public sealed class NftSpoofCheck(Func<INftables> open) : ISpoofCheck
{
    public const string Table = "nat";
    public const string BaseChain = "PREROUTING";
    private const NftFamily Bridge = NftFamily.Bridge;

    public static string IfaceChain(string attachmentId) => "cni-br-iface-" + attachmentId;

    public static string MacChain(string attachmentId) => IfaceChain(attachmentId) + "-mac";

    public static string Comment(string attachmentId) => RuleTags.TruncateComment("macspoofchk-" + attachmentId);

    public void Setup(string hostVeth, string containerMac, string attachmentId)
    {
        using var nft = open();
        var iface = IfaceChain(attachmentId);
        var mac = MacChain(attachmentId);
        var comment = Comment(attachmentId);
        new NftLayout(new NftTable(Bridge, Table))
            .Chain(new NftChain(Bridge, Table, BaseChain) { Base = new NftBaseChain("filter", NftHook.Prerouting, -300, NftPolicy.Accept) })
            .FixedChain(new NftChain(Bridge, Table, iface), [new NftRuleBuilder(Bridge, Table, iface).Jump(mac).Comment(comment).Build()])
            .FixedChain(new NftChain(Bridge, Table, mac),
            [
                new NftRuleBuilder(Bridge, Table, mac).Match(EtherSaddr == PhysicalAddress.Parse(containerMac.Replace(':', '-'))).Return().Comment(comment).Build(),
                new NftRuleBuilder(Bridge, Table, mac).Drop().Comment(comment).Build(),
            ])
            .Apply(nft, [new NftAddRule(new NftRuleBuilder(Bridge, Table, BaseChain).Match(IifName == hostVeth).Jump(iface).Comment(comment).Build())]);
    }

    public void Teardown(string attachmentId)
    {
        using var nft = open();
        var comment = Comment(attachmentId);
        var tx = new NftTransaction();
        foreach (var rule in nft.FindRules(Bridge, Table, BaseChain, c => c == comment))
        {
            tx.Delete(rule);
        }

        var chains = nft.ListChains(Bridge, Table).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var chain in new[] { IfaceChain(attachmentId), MacChain(attachmentId) })
        {
            if (chains.Contains(chain))
            {
                tx.Flush(Bridge, Table, chain);
            }
        }

        foreach (var chain in new[] { IfaceChain(attachmentId), MacChain(attachmentId) })
        {
            if (chains.Contains(chain))
            {
                tx.Add(new NftDeleteChain(Bridge, Table, chain));
            }
        }

        if (!tx.IsEmpty)
        {
            nft.Run(tx);
        }
    }
}
