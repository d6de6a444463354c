using System.Text;
using LibCni.Netfilter;
using LibCni.Netlink;

namespace LibCni.TestKit;

/// <summary>
/// An in-memory nftables for unit tests of plugin logic, with the kernel's rules that matter to plugins:
/// transactions are all-or-nothing; "add" of an existing table/chain/set/element is a no-op; rules need
/// their chain (ENOENT) and their jump/goto targets (ENOENT); deleting a rule needs its handle (ENOENT);
/// a chain still holding rules or referenced by a jump cannot be deleted (EBUSY); handles grow per table.
/// Errors are <see cref="NetlinkException"/>s like <see cref="NftClient"/>'s.
/// </summary>
public sealed class FakeNftables : INftables
{
    private const int ENOENT = 2;
    private const int EBUSY = 16;

    private Dictionary<(NftFamily, string), TableState> _tables = [];

    /// <summary>Every transaction run, in order (failed ones included).</summary>
    public List<NftTransaction> Transactions { get; } = [];

    /// <summary>When set, the next <see cref="Run"/> throws this instead of applying anything.</summary>
    public NetlinkException? FailNextRun { get; set; }

    public void Run(NftTransaction transaction)
    {
        Transactions.Add(transaction);
        if (FailNextRun is { } failure)
        {
            FailNextRun = null;
            throw failure;
        }

        var working = _tables.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        foreach (var command in transaction.Commands)
        {
            Apply(working, command);
        }

        _tables = working;
    }

    public IReadOnlyList<NftTable> ListTables(NftFamily family) =>
        _tables.Values.Where(t => t.Table.Family == family).Select(t => t.Table with { Handle = t.Handle }).ToList();

    public IReadOnlyList<NftChain> ListChains(NftFamily family, string table) =>
        _tables.TryGetValue((family, table), out var state) ? state.Chains.Select(c => c.Chain).ToList() : [];

    public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain) =>
        _tables.TryGetValue((family, table), out var state) && state.Chain(chain) is { } c ? c.Rules.ToList() : [];

    public IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set) =>
        _tables.TryGetValue((family, table), out var state) && state.Sets.TryGetValue(set, out var s) ? s.Elements.ToList() : [];

    /// <summary>The whole ruleset as text, one line per table/chain/rule, for readable assertions.</summary>
    public string Dump()
    {
        var text = new StringBuilder();
        foreach (var table in _tables.Values)
        {
            var family = table.Table.Family.ToString().ToLowerInvariant();
            text.AppendLine($"table {family} {table.Table.Name}{(table.Table.Comment is { } c ? $" comment \"{c}\"" : "")}");
            foreach (var chain in table.Chains)
            {
                var hook = chain.Chain.Base is { } b ? $" {{ type {b.Type} hook {b.Hook.ToString().ToLowerInvariant()} priority {b.Priority} }}" : "";
                text.AppendLine($"  chain {chain.Chain.Name}{hook}");
                foreach (var rule in chain.Rules)
                {
                    text.AppendLine($"    {string.Join("; ", rule.Expressions)}{(rule.Comment is { } rc ? $" comment \"{rc}\"" : "")}");
                }
            }
        }

        return text.ToString();
    }

    private static void Apply(Dictionary<(NftFamily, string), TableState> tables, NftCommand command)
    {
        switch (command)
        {
            case NftAddTable add:
                if (!tables.ContainsKey((add.Table.Family, add.Table.Name)))
                {
                    tables[(add.Table.Family, add.Table.Name)] = new TableState(add.Table, (ulong)tables.Count + 1);
                }

                break;
            case NftDeleteTable delete:
                if (!tables.Remove((delete.Family, delete.Name)))
                {
                    throw Error(ENOENT, command, "No such table");
                }

                break;
            case NftAddChain add:
                var table = TableOf(tables, add.Chain.Family, add.Chain.Table, command);
                if (table.Chain(add.Chain.Name) is null)
                {
                    table.Chains.Add(new ChainState(add.Chain with { Handle = table.NextHandle() }, []));
                }

                break;
            case NftDeleteChain delete:
                var owner = TableOf(tables, delete.Family, delete.Table, command);
                var chain = owner.Chain(delete.Name) ?? throw Error(ENOENT, command, "No such chain");
                if (chain.Rules.Count > 0 || owner.Chains.Any(c => c.Rules.Any(r => JumpTarget(r) == delete.Name)))
                {
                    throw Error(EBUSY, command, "chain is not empty or still referenced");
                }

                owner.Chains.Remove(chain);
                break;
            case NftFlushChain flush:
                ChainOf(tables, flush.Family, flush.Table, flush.Name, command).Rules.Clear();
                break;
            case NftAddRule add:
                var rule = add.Rule;
                var target = ChainOf(tables, rule.Family, rule.Table, rule.Chain, command);
                var table2 = tables[(rule.Family, rule.Table)];
                if (JumpTarget(rule) is { } jump && table2.Chain(jump) is null)
                {
                    throw Error(ENOENT, command, $"jump target chain {jump} does not exist");
                }

                target.Rules.Add(rule with { Handle = table2.NextHandle() });
                break;
            case NftDeleteRule delete:
                var rules = ChainOf(tables, delete.Family, delete.Table, delete.Chain, command).Rules;
                if (rules.RemoveAll(r => r.Handle == delete.Handle) == 0)
                {
                    throw Error(ENOENT, command, "No such rule");
                }

                break;
            case NftAddSet add:
                var setTable = TableOf(tables, add.Set.Family, add.Set.Table, command);
                setTable.Sets.TryAdd(add.Set.Name, new SetState(add.Set, []));
                break;
            case NftAddElements add:
                var addTo = SetOf(tables, add.Elements, command);
                foreach (var key in add.Elements.Keys.Where(k => !addTo.Elements.Any(e => e.AsSpan().SequenceEqual(k))))
                {
                    addTo.Elements.Add(key);
                }

                break;
            case NftDeleteElements delete:
                var removeFrom = SetOf(tables, delete.Elements, command);
                foreach (var key in delete.Elements.Keys)
                {
                    if (removeFrom.Elements.RemoveAll(e => e.AsSpan().SequenceEqual(key)) == 0)
                    {
                        throw Error(ENOENT, command, "No such element");
                    }
                }

                break;
            default:
                throw new NotSupportedException($"FakeNftables does not model {command.GetType().Name}");
        }
    }

    private static string? JumpTarget(NftRule rule) =>
        rule.Expressions.OfType<NftImmediate>().Select(i => i.Verdict?.Chain).FirstOrDefault(c => c is not null);

    private static TableState TableOf(Dictionary<(NftFamily, string), TableState> tables, NftFamily family, string name, NftCommand command) =>
        tables.TryGetValue((family, name), out var table) ? table : throw Error(ENOENT, command, "No such table");

    private static ChainState ChainOf(Dictionary<(NftFamily, string), TableState> tables, NftFamily family, string table, string chain, NftCommand command) =>
        TableOf(tables, family, table, command).Chain(chain) ?? throw Error(ENOENT, command, "No such chain");

    private static SetState SetOf(Dictionary<(NftFamily, string), TableState> tables, NftSetElements elements, NftCommand command) =>
        TableOf(tables, elements.Family, elements.Table, command).Sets.TryGetValue(elements.Set, out var set) ? set : throw Error(ENOENT, command, "No such set");

    private static NetlinkException Error(int errno, NftCommand command, string text) => new(errno, command.Describe(), text);

    private sealed class TableState(NftTable table, ulong handle)
    {
        public NftTable Table { get; } = table;

        public ulong Handle { get; } = handle;

        public ulong LastHandle { get; set; }

        public List<ChainState> Chains { get; init; } = [];

        public Dictionary<string, SetState> Sets { get; init; } = [];

        public ChainState? Chain(string name) => Chains.FirstOrDefault(c => c.Chain.Name == name);

        public ulong NextHandle() => ++LastHandle;

        public TableState Clone() => new(Table, Handle)
        {
            LastHandle = LastHandle,
            Chains = Chains.Select(c => new ChainState(c.Chain, c.Rules.ToList())).ToList(),
            Sets = Sets.ToDictionary(kv => kv.Key, kv => new SetState(kv.Value.Set, kv.Value.Elements.ToList())),
        };
    }

    private sealed record ChainState(NftChain Chain, List<NftRule> Rules);

    private sealed record SetState(NftSet Set, List<byte[]> Elements);

    /// <summary>Nothing to release: the state lives as long as the fake.</summary>
    public void Dispose()
    {
    }
}
