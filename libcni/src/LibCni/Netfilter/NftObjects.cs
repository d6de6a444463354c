using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>A table. <see cref="Handle"/> is set on tables read from the kernel.</summary>
public sealed record NftTable(NftFamily Family, string Name)
{
    public string? Comment { get; init; }

    public uint Flags { get; init; }

    public ulong? Handle { get; init; }
}

/// <summary>What makes a chain a base chain: its type (filter, nat, route), hook, priority and optional policy.</summary>
public sealed record NftBaseChain(string Type, NftHook Hook, int Priority, NftPolicy? Policy = null);

/// <summary>A chain; with <see cref="Base"/> it is a base chain attached to a hook.</summary>
public sealed record NftChain(NftFamily Family, string Table, string Name)
{
    public NftBaseChain? Base { get; init; }

    public string? Comment { get; init; }

    public ulong? Handle { get; init; }
}

/// <summary>
/// A rule: its expressions, comment and, for rules read from the kernel, its handle, raw userdata and any
/// attributes this library does not interpret (kept as they came).
/// </summary>
public sealed record NftRule(NftFamily Family, string Table, string Chain, IReadOnlyList<NftExpression> Expressions)
{
    /// <summary>nft rejects longer comments; the userdata TLV length is one byte anyway.</summary>
    public const int MaxCommentLength = 128;

    public string? Comment { get; init; }

    public ulong? Handle { get; init; }

    /// <summary>NFTA_RULE_USERDATA as the kernel holds it (comment TLV and anything else nft put there).</summary>
    public ReadOnlyMemory<byte>? UserData { get; init; }

    public IReadOnlyList<NetlinkAttribute> OtherAttributes { get; init; } = [];

    /// <summary>Same expressions (name and encoded data, in order) as <paramref name="other"/>, handles and comments aside.</summary>
    public bool SameExpressionsAs(NftRule other) =>
        Expressions.Count == other.Expressions.Count && Expressions.Zip(other.Expressions).All(p => p.First.SameAs(p.Second));

    /// <summary>
    /// This rule, read from the kernel, does what <paramref name="planned"/> does: same expressions, each compared
    /// attribute by attribute in any order (the kernel dumps some, like ct, in another order than nft sends them),
    /// ignoring NFTA_BITWISE_OP = mask-xor (0), which newer kernels dump and nft never sends. Comments aside.
    /// </summary>
    public bool Matches(NftRule planned)
    {
        if (Expressions.Count != planned.Expressions.Count)
        {
            return false;
        }

        for (var i = 0; i < Expressions.Count; i++)
        {
            var (kernel, ours) = (Expressions[i], planned.Expressions[i]);
            if (!kernel.SameAs(ours) && !(kernel.Name == ours.Name && SameAttributesInAnyOrder(kernel, ours)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameAttributesInAnyOrder(NftExpression kernel, NftExpression planned)
    {
        var left = Significant(kernel);
        var right = Significant(planned);
        if (left.Count != right.Count)
        {
            return false;
        }

        // A handful of attributes each: pair them off one by one.
        foreach (var attribute in left)
        {
            var match = right.FindIndex(a => (a.Type & 0x3fff) == (attribute.Type & 0x3fff) && a.Value.Span.SequenceEqual(attribute.Value.Span));
            if (match < 0)
            {
                return false;
            }

            right.RemoveAt(match);
        }

        return true;
    }

    private static List<NetlinkAttribute> Significant(NftExpression expression)
    {
        var attributes = NetlinkAttribute.ParseAll(expression.EncodeData());
        if (expression.Name == "bitwise")
        {
            attributes.RemoveAll(a => (a.Type & 0x3fff) == BitwiseOpAttribute && a.Value.Span.SequenceEqual(stackalloc byte[4]));
        }

        return attributes;
    }

    private const ushort BitwiseOpAttribute = 6;

    public override string ToString() =>
        $"{Family.ToString().ToLowerInvariant()} {Table} {Chain}{(Handle is { } h ? $" handle {h}" : "")}: " +
        string.Join("; ", Expressions) + (Comment is null ? "" : $" comment \"{Comment}\"");
}

/// <summary>The key type of a set: nft's datatype number, its length and its byte order.</summary>
public sealed record NftSetKeyType(uint TypeId, uint Length, bool BigEndian)
{
    public static readonly NftSetKeyType Ipv4Address = new(7, 4, true);
    public static readonly NftSetKeyType Ipv6Address = new(8, 16, true);
    public static readonly NftSetKeyType EtherAddress = new(9, 6, true);
    public static readonly NftSetKeyType InetService = new(13, 2, true);
    public static readonly NftSetKeyType InterfaceName = new(41, 16, false);
}

/// <summary>
/// A named set. <see cref="Id"/> lets rules and elements in the same batch refer to a set the batch creates
/// (nft always sends one).
/// </summary>
public sealed record NftSet(NftFamily Family, string Table, string Name, NftSetKeyType KeyType)
{
    public uint Flags { get; init; }

    public uint? Id { get; init; }
}

/// <summary>Elements (keys in network byte order) of a set, to add or delete.</summary>
public sealed record NftSetElements(NftFamily Family, string Table, string Set, IReadOnlyList<byte[]> Keys)
{
    public uint? SetId { get; init; }

    public static NftSetElements Of(NftFamily family, string table, string set, params System.Net.IPAddress[] addresses) =>
        new(family, table, set, addresses.Select(a => a.GetAddressBytes()).ToList());
}
