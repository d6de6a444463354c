using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>One change inside an nftables transaction; a value that both the kernel client and fakes interpret.</summary>
public abstract record NftCommand
{
    internal abstract NetlinkMessageWriter ToMessage();

    /// <summary>How errors name this command, e.g. "add rule inet t c".</summary>
    public abstract string Describe();
}

public sealed record NftAddTable(NftTable Table) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.NewTable(Table);

    public override string Describe() => $"add table {Family(Table.Family)} {Table.Name}";

    internal static string Family(NftFamily family) => family.ToString().ToLowerInvariant();
}

public sealed record NftDeleteTable(NftFamily Family, string Name) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.DelTable(Family, Name);

    public override string Describe() => $"delete table {NftAddTable.Family(Family)} {Name}";
}

public sealed record NftAddChain(NftChain Chain) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.NewChain(Chain);

    public override string Describe() => $"add chain {NftAddTable.Family(Chain.Family)} {Chain.Table} {Chain.Name}";
}

public sealed record NftDeleteChain(NftFamily Family, string Table, string Name) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.DelChain(Family, Table, Name);

    public override string Describe() => $"delete chain {NftAddTable.Family(Family)} {Table} {Name}";
}

public sealed record NftFlushChain(NftFamily Family, string Table, string Name) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.DelRule(Family, Table, Name, null);

    public override string Describe() => $"flush chain {NftAddTable.Family(Family)} {Table} {Name}";
}

public sealed record NftAddRule(NftRule Rule) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.NewRule(Rule);

    public override string Describe() => $"add rule {NftAddTable.Family(Rule.Family)} {Rule.Table} {Rule.Chain}" + (Rule.Comment is null ? "" : $" comment \"{Rule.Comment}\"");
}

public sealed record NftDeleteRule(NftFamily Family, string Table, string Chain, ulong Handle) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.DelRule(Family, Table, Chain, Handle);

    public override string Describe() => $"delete rule {NftAddTable.Family(Family)} {Table} {Chain} handle {Handle}";
}

public sealed record NftAddSet(NftSet Set) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.NewSet(Set);

    public override string Describe() => $"add set {NftAddTable.Family(Set.Family)} {Set.Table} {Set.Name}";
}

public sealed record NftAddElements(NftSetElements Elements) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.NewSetElements(Elements);

    public override string Describe() => $"add element {NftAddTable.Family(Elements.Family)} {Elements.Table} {Elements.Set}";
}

public sealed record NftDeleteElements(NftSetElements Elements) : NftCommand
{
    internal override NetlinkMessageWriter ToMessage() => NftMessages.DelSetElements(Elements);

    public override string Describe() => $"delete element {NftAddTable.Family(Elements.Family)} {Elements.Table} {Elements.Set}";
}

/// <summary>
/// Commands applied all-or-nothing, in order, as one nfnetlink batch (like one <c>nft -f</c> file):
/// <code>
/// var tx = new NftTransaction()
///     .Add(new NftTable(NftFamily.Inet, "t") { Comment = "..." })
///     .Add(new NftChain(NftFamily.Inet, "t", "c"))
///     .Flush(NftFamily.Inet, "t", "c")
///     .Add(new NftRuleBuilder(NftFamily.Inet, "t", "c").Accept());
/// nftables.Run(tx);
/// </code>
/// </summary>
public sealed class NftTransaction
{
    private readonly List<NftCommand> _commands = [];

    public IReadOnlyList<NftCommand> Commands => _commands;

    public bool IsEmpty => _commands.Count == 0;

    public NftTransaction Add(NftCommand command)
    {
        _commands.Add(command);
        return this;
    }

    public NftTransaction Add(NftTable table) => Add(new NftAddTable(table));

    public NftTransaction Add(NftChain chain) => Add(new NftAddChain(chain));

    public NftTransaction Add(NftRule rule) => Add(new NftAddRule(rule));

    public NftTransaction Add(NftRuleBuilder rule) => Add(new NftAddRule(rule.Build()));

    public NftTransaction Add(NftSet set) => Add(new NftAddSet(set));

    public NftTransaction Add(NftSetElements elements) => Add(new NftAddElements(elements));

    public NftTransaction Delete(NftSetElements elements) => Add(new NftDeleteElements(elements));

    /// <summary>Deletes a rule read from the kernel (it must carry its handle).</summary>
    public NftTransaction Delete(NftRule rule) =>
        Add(new NftDeleteRule(rule.Family, rule.Table, rule.Chain, rule.Handle ?? throw new ArgumentException($"rule has no handle: {rule}", nameof(rule))));

    public NftTransaction Flush(NftFamily family, string table, string chain) => Add(new NftFlushChain(family, table, chain));

    public NftTransaction Flush(NftChain chain) => Flush(chain.Family, chain.Table, chain.Name);
}
