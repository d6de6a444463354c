using LibCni.Interop;
using LibCni.Kernel;
using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>
/// nftables over an NETLINK_NETFILTER socket, without the nft binary. Each <see cref="Run"/> is one
/// nfnetlink batch (BATCH_BEGIN, the commands, BATCH_END): the kernel commits all of it or none. A failure
/// throws <see cref="NetlinkException"/> naming the command (e.g. "add rule inet t c") with the errno and
/// the kernel's extended-ack text.
/// </summary>
public sealed class NftClient : INftables, IDisposable
{
    private readonly NetlinkClient _netlink;

    public NftClient(NetlinkClient netlink)
    {
        _netlink = netlink;
    }

    /// <summary>A client in the caller's netns.</summary>
    public static NftClient Open() => new(new NetlinkClient(NetlinkSocket.Open(NetlinkSocket.Netfilter)));

    /// <summary>A client whose socket lives in the netns at <paramref name="netnsPath"/>; usable from any thread.</summary>
    public static NftClient OpenIn(string netnsPath) =>
        new(new NetlinkClient(NetNamespace.Run(netnsPath, () => NetlinkSocket.Open(NetlinkSocket.Netfilter))));

    public void Run(NftTransaction transaction)
    {
        if (transaction.IsEmpty)
        {
            return;
        }

        var requests = transaction.Commands.Select(c => (c.ToMessage(), c.Describe())).ToList();
        _netlink.ExecuteBatch(NftMessages.BatchBegin(), requests, NftMessages.BatchEnd());
    }

    public IReadOnlyList<NftTable> ListTables(NftFamily family) =>
        _netlink.Dump(() => NftMessages.GetTables(family), $"list tables {NftAddTable.Family(family)}")
            .Where(m => NftParser.MessageTypeOf(m) == NftMessageType.NewTable)
            .Select(NftParser.ParseTable)
            .Where(t => t.Family == family)
            .ToList();

    public IReadOnlyList<NftChain> ListChains(NftFamily family, string table) =>
        _netlink.Dump(() => NftMessages.GetChains(family), $"list chains {NftAddTable.Family(family)} {table}")
            .Where(m => NftParser.MessageTypeOf(m) == NftMessageType.NewChain)
            .Select(NftParser.ParseChain)
            .Where(c => c.Family == family && c.Table == table)
            .ToList();

    public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain) =>
        _netlink.Dump(() => NftMessages.GetRules(family, table, chain), $"list chain {NftAddTable.Family(family)} {table} {chain}")
            .Where(m => NftParser.MessageTypeOf(m) == NftMessageType.NewRule)
            .Select(NftParser.ParseRule)
            .Where(r => r.Family == family && r.Table == table && r.Chain == chain)
            .ToList();

    public IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set)
    {
        try
        {
            return _netlink.Dump(() => NftMessages.GetSetElements(family, table, set), $"list set {NftAddTable.Family(family)} {table} {set}")
                .Where(m => NftParser.MessageTypeOf(m) == NftMessageType.NewSetElem)
                .SelectMany(NftParser.ParseSetElementKeys)
                .ToList();
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
            return [];
        }
    }

    public void Dispose() => _netlink.Dispose();
}
