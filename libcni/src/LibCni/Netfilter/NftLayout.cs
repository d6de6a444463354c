using LibCni.Kernel;
using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>
/// The fixed part of a plugin's nftables layout: a table, its chains, and chains whose whole content is fixed
/// (jump rules into the plugin's own chains). <see cref="Apply"/> sends only what the kernel lacks.
/// </summary>
/// <remarks>
/// Re-sending NEWTABLE or NEWCHAIN for an object that exists makes an update transaction, and flushing a chain
/// deletes rules; both leave work the kernel destroys after an RCU grace period, and closing the nfnetlink socket
/// waits for it (4–15 ms on this kernel, against 0.01 ms for a batch that only adds rules). So an ADD that finds
/// its layout in place adds its own rules and nothing else, and one that finds a piece missing or different
/// repairs just that piece.
/// </remarks>
public sealed class NftLayout(NftTable table)
{
    private readonly List<NftChain> _chains = [];
    private readonly Dictionary<string, IReadOnlyList<NftRule>> _fixedRules = new(StringComparer.Ordinal);

    public NftTable Table => table;

    /// <summary>A chain created when missing; its rules are the plugin's to manage.</summary>
    public NftLayout Chain(NftChain chain)
    {
        _chains.Add(chain);
        return this;
    }

    /// <summary>A chain whose rules are exactly <paramref name="rules"/>: rewritten (flush, then add) when they differ.</summary>
    public NftLayout FixedChain(NftChain chain, IReadOnlyList<NftRule> rules)
    {
        _chains.Add(chain);
        _fixedRules[chain.Name] = rules;
        return this;
    }

    /// <summary>Every piece, whatever is there: what a commit sends when the kernel's state is unknown.</summary>
    public NftTransaction Full()
    {
        var tx = new NftTransaction().Add(table);
        foreach (var chain in _chains)
        {
            tx.Add(chain);
        }

        foreach (var (chain, rules) in _fixedRules)
        {
            tx.Flush(table.Family, table.Name, chain);
            foreach (var rule in rules)
            {
                tx.Add(rule);
            }
        }

        return tx;
    }

    /// <summary>
    /// Only the pieces <paramref name="nft"/> lacks or holds differently: one chain listing (or
    /// <paramref name="chains"/>, the table's chains as the caller just listed them), one rule listing per fixed
    /// chain that exists.
    /// </summary>
    public NftTransaction Missing(INftables nft, IReadOnlyList<NftChain>? chains = null)
    {
        var present = (chains ?? nft.ListChains(table.Family, table.Name)).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var tx = new NftTransaction();
        if (present.Count == 0)
        {
            tx.Add(table);
        }

        foreach (var chain in _chains.Where(c => !present.Contains(c.Name)))
        {
            tx.Add(chain);
        }

        foreach (var (chain, rules) in _fixedRules)
        {
            if (present.Contains(chain) && SameRules(nft.ListRules(table.Family, table.Name, chain), rules))
            {
                continue;
            }

            // Flushed even when this batch creates the chain: a concurrent ADD may create and fill it first.
            tx.Flush(table.Family, table.Name, chain);
            foreach (var rule in rules)
            {
                tx.Add(rule);
            }
        }

        return tx;
    }

    /// <summary>
    /// Commits the missing pieces and <paramref name="commands"/> in one batch. When a piece vanished between the
    /// listing and the commit (a concurrent teardown: the kernel answers ENOENT), commits the full layout instead.
    /// </summary>
    public void Apply(INftables nft, IEnumerable<NftCommand> commands, IReadOnlyList<NftChain>? chains = null)
    {
        var own = commands.ToList();
        try
        {
            nft.Run(With(Missing(nft, chains), own));
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
            nft.Run(With(Full(), own));
        }
    }

    private static NftTransaction With(NftTransaction tx, List<NftCommand> commands)
    {
        foreach (var command in commands)
        {
            tx.Add(command);
        }

        return tx;
    }

    private static bool SameRules(IReadOnlyList<NftRule> kernel, IReadOnlyList<NftRule> planned) =>
        kernel.Count == planned.Count && kernel.Zip(planned).All(p => p.First.Comment == p.Second.Comment && p.First.Matches(p.Second));
}
