namespace LibCni.Netfilter;

/// <summary>NFT_CT_* keys.</summary>
public enum NftCtKey : uint
{
    State = 0,
}

/// <summary>ct state bits (NF_CT_STATE_*_BIT), as <c>ct state</c> compares them.</summary>
[Flags]
public enum NftCtState : uint
{
    Invalid = 1,
    Established = 2,
    Related = 4,
    New = 8,
    Untracked = 64,
}

/// <summary>Loads conntrack data of the packet into a register (<c>ct state</c>, ...).</summary>
public sealed record NftCt(NftCtKey Key, NftRegister Destination = NftRegister.R1) : NftKeyedLoad((uint)Key, Destination)
{
    public override string Name => "ct";

    protected override string KeyName => Key.ToString();

    /// <summary>
    /// <c>ct state related,established</c> as nft encodes it: load the state, mask it with the bits (host
    /// byte order), and require a non-zero result.
    /// </summary>
    public static IReadOnlyList<NftExpression> StateIn(NftCtState states) =>
        [new NftCt(NftCtKey.State), new NftBitwise(4, BigEndianBytes.U32LittleEndian((uint)states), new byte[4]), new NftCmp(NftCmpOp.Neq, new byte[4])];
}
