namespace LibCni.Netfilter;

/// <summary>
/// nftables as the plugins use it: atomic transactions and listings. <see cref="NftClient"/> talks to the
/// kernel; LibCni.TestKit's FakeNftables keeps the same state in memory for unit tests. Errors are
/// <see cref="Netlink.NetlinkException"/>s carrying the errno and the kernel's text.
/// </summary>
public interface INftables : IDisposable
{
    /// <summary>Applies every command or none of them. An empty transaction does nothing.</summary>
    void Run(NftTransaction transaction);

    /// <summary>The tables of a family.</summary>
    IReadOnlyList<NftTable> ListTables(NftFamily family);

    /// <summary>The chains of a table; empty when the table does not exist.</summary>
    IReadOnlyList<NftChain> ListChains(NftFamily family, string table);

    /// <summary>The rules of a chain in order, with handles and comments; empty when the chain does not exist.</summary>
    IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain);

    /// <summary>The element keys of a set; empty when the set does not exist.</summary>
    IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set);
}

/// <summary>Shortcuts over <see cref="INftables"/> shared by every implementation.</summary>
public static class NftablesExtensions
{
    /// <summary>Creates the table if it is missing (nft "add" semantics: an existing table is left as is).</summary>
    public static void EnsureTable(this INftables nft, NftTable table) => nft.Run(new NftTransaction().Add(table));

    /// <summary>Creates the chain if it is missing; the table must exist.</summary>
    public static void EnsureChain(this INftables nft, NftChain chain) => nft.Run(new NftTransaction().Add(chain));

    public static void FlushChain(this INftables nft, NftFamily family, string table, string chain) =>
        nft.Run(new NftTransaction().Flush(family, table, chain));

    /// <summary>Rules of a chain whose comment satisfies <paramref name="predicate"/>.</summary>
    public static List<NftRule> FindRules(this INftables nft, NftFamily family, string table, string chain, Func<string, bool> predicate) =>
        nft.ListRules(family, table, chain).Where(r => r.Comment is { } c && predicate(c)).ToList();

    /// <summary>Deletes, in one transaction, the rules whose comment satisfies the predicate; returns how many. A missing chain counts as none.</summary>
    public static int DeleteRules(this INftables nft, NftFamily family, string table, string chain, Func<string, bool> predicate)
    {
        var rules = nft.FindRules(family, table, chain, predicate);
        var transaction = new NftTransaction();
        foreach (var rule in rules)
        {
            transaction.Delete(rule);
        }

        if (!transaction.IsEmpty)
        {
            nft.Run(transaction);
        }

        return rules.Count;
    }

    public static void AddElements(this INftables nft, NftSetElements elements) => nft.Run(new NftTransaction().Add(elements));

    public static void DeleteElements(this INftables nft, NftSetElements elements) => nft.Run(new NftTransaction().Delete(elements));
}
