using LibCni.Netfilter;

namespace LibCni.TestKit;

/// <summary>
/// Any <see cref="INftables"/> (the kernel's NftClient in privileged tests) with every transaction written to a
/// shared log, so a test can see what an operation sent: the log outlives each client the code under test opens.
/// </summary>
public sealed class RecordingNftables(INftables inner, List<NftTransaction> log) : INftables
{
    public void Run(NftTransaction transaction)
    {
        log.Add(transaction);
        inner.Run(transaction);
    }

    public IReadOnlyList<NftTable> ListTables(NftFamily family) => inner.ListTables(family);

    public IReadOnlyList<NftChain> ListChains(NftFamily family, string table) => inner.ListChains(family, table);

    public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain) => inner.ListRules(family, table, chain);

    public IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set) => inner.ListSetElements(family, table, set);

    public void Dispose() => inner.Dispose();

    /// <summary>Nothing but rule additions: what an ADD that finds its layout in place may send.</summary>
    public static bool OnlyAddsRules(NftTransaction transaction) => transaction.Commands.All(c => c is NftAddRule);
}
