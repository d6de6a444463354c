using System.Buffers.Binary;
using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>nf_tables registers: the verdict register and the 16-byte data registers.</summary>
public enum NftRegister : uint
{
    Verdict = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
}

/// <summary>
/// One nf_tables expression: NFTA_EXPR_NAME plus the attributes inside NFTA_EXPR_DATA. Typed expressions
/// are built by <see cref="NftRuleBuilder"/>; expressions read back from the kernel are
/// <see cref="NftRawExpression"/>s. Compare either kind with <see cref="SameAs"/> (name and encoded data).
/// </summary>
public abstract record NftExpression
{
    public abstract string Name { get; }

    /// <summary>Writes the attributes that go inside NFTA_EXPR_DATA.</summary>
    internal abstract void WriteData(NetlinkMessageWriter writer);

    /// <summary>The attributes inside NFTA_EXPR_DATA as bytes.</summary>
    public byte[] EncodeData()
    {
        var writer = new NetlinkMessageWriter(0, 0);
        WriteData(writer);
        return writer.Finish(0)[Nlmsg.HeaderLength..];
    }

    /// <summary>
    /// Same expression name and same data attributes. The NLA_F_NESTED flag is ignored: nft sets it, the
    /// kernel's dumps do not.
    /// </summary>
    public bool SameAs(NftExpression other) =>
        Name == other.Name && Canonical(EncodeData()).AsSpan().SequenceEqual(Canonical(other.EncodeData()));

    /// <summary>The bytes with NLA_F_NESTED cleared in every attribute header, recursively.</summary>
    private static byte[] Canonical(byte[] data)
    {
        ClearNestedFlags(data);
        return data;
    }

    private static void ClearNestedFlags(Span<byte> data)
    {
        if (!IsAttributeSequence(data))
        {
            return;
        }

        var offset = 0;
        while (offset < data.Length)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[(offset + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(data[(offset + 2)..], (ushort)(type & ~Nlmsg.AttrNested));
            ClearNestedFlags(data.Slice(offset + 4, length - 4));
            offset += Nlmsg.Align(length);
        }
    }

    /// <summary>Whether the bytes parse as attributes that exactly fill them (so they may be a nest's contents).</summary>
    private static bool IsAttributeSequence(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
            if (length < 4 || offset + length > data.Length)
            {
                return false;
            }

            offset += Nlmsg.Align(length);
        }

        return offset == data.Length && data.Length > 0;
    }

    internal static void WriteU32BigEndian(NetlinkMessageWriter writer, ushort type, uint value) =>
        writer.AttributeU32BigEndian(type, value);

    internal static void WriteDataValue(NetlinkMessageWriter writer, ushort type, ReadOnlySpan<byte> value)
    {
        var nest = writer.BeginNested(type);
        writer.Attribute(DataAttr.Value, value);
        writer.EndNested(nest);
    }

    internal static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}

/// <summary>Where a payload load starts: NFT_PAYLOAD_*_HEADER.</summary>
public enum NftPayloadBase : uint
{
    LinkLayer = 0,
    Network = 1,
    Transport = 2,
}

/// <summary>Loads <c>Length</c> bytes at <c>Offset</c> of a header into a register.</summary>
public sealed record NftPayload(NftPayloadBase Base, uint Offset, uint Length, NftRegister Destination = NftRegister.R1) : NftExpression
{
    public override string Name => "payload";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 1, (uint)Destination);
        WriteU32BigEndian(writer, 2, (uint)Base);
        WriteU32BigEndian(writer, 3, Offset);
        WriteU32BigEndian(writer, 4, Length);
    }

    public override string ToString() => $"payload load {Length}b @ {Base} header + {Offset} => reg {(uint)Destination}";
}

/// <summary>NFT_META_* keys the plugins use.</summary>
public enum NftMetaKey : uint
{
    Length = 0,
    Protocol = 1,
    Mark = 3,
    Iif = 4,
    Oif = 5,
    IifName = 6,
    OifName = 7,
    NfProto = 15,
    L4Proto = 16,
}

/// <summary>
/// Loads the value a key names into a register. meta and ct encode alike: NFTA_*_KEY (2) then NFTA_*_DREG (1),
/// the order nft writes them in.
/// </summary>
public abstract record NftKeyedLoad(uint KeyNumber, NftRegister Destination) : NftExpression
{
    /// <summary>The key as <see cref="ToString"/> shows it.</summary>
    protected abstract string KeyName { get; }

    internal sealed override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 2, KeyNumber);
        WriteU32BigEndian(writer, 1, (uint)Destination);
    }

    public sealed override string ToString() => $"{Name} load {KeyName} => reg {(uint)Destination}";
}

/// <summary>Loads packet metadata into a register.</summary>
public sealed record NftMeta(NftMetaKey Key, NftRegister Destination = NftRegister.R1) : NftKeyedLoad((uint)Key, Destination)
{
    public override string Name => "meta";

    protected override string KeyName => Key.ToString();
}

/// <summary>NFT_CMP_* operators.</summary>
public enum NftCmpOp : uint
{
    Eq = 0,
    Neq = 1,
    Lt = 2,
    Lte = 3,
    Gt = 4,
    Gte = 5,
}

/// <summary>Compares a register with constant data; a mismatch ends the rule.</summary>
public sealed record NftCmp(NftCmpOp Op, byte[] Data, NftRegister Source = NftRegister.R1) : NftExpression
{
    public override string Name => "cmp";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 1, (uint)Source);
        WriteU32BigEndian(writer, 2, (uint)Op);
        WriteDataValue(writer, 3, Data);
    }

    public override string ToString() => $"cmp {Op.ToString().ToLowerInvariant()} reg {(uint)Source} 0x{Hex(Data)}";
}

/// <summary>reg = (reg &amp; Mask) ^ Xor: how nft matches a prefix that does not end on a byte boundary.</summary>
public sealed record NftBitwise(uint Length, byte[] Mask, byte[] Xor, NftRegister Source = NftRegister.R1, NftRegister Destination = NftRegister.R1) : NftExpression
{
    public override string Name => "bitwise";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 1, (uint)Source);
        WriteU32BigEndian(writer, 2, (uint)Destination);
        WriteU32BigEndian(writer, 3, Length);
        WriteDataValue(writer, 4, Mask);
        WriteDataValue(writer, 5, Xor);
    }

    public override string ToString() => $"bitwise reg {(uint)Destination} = (reg {(uint)Source} & 0x{Hex(Mask)}) ^ 0x{Hex(Xor)}";
}

/// <summary>Set membership of a register (<c>@set</c>, or <c>!= @set</c> when inverted).</summary>
public sealed record NftLookup(string Set, bool Inverted = false, uint? SetId = null, NftRegister Source = NftRegister.R1) : NftExpression
{
    public override string Name => "lookup";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 2, (uint)Source);
        writer.AttributeString(1, Set);
        if (SetId is { } id)
        {
            WriteU32BigEndian(writer, 4, id);
        }

        if (Inverted)
        {
            WriteU32BigEndian(writer, 5, 1);
        }
    }

    public override string ToString() => $"lookup reg {(uint)Source} set {Set}{(Inverted ? " inverted" : "")}";
}

/// <summary>A verdict: accept, drop, return, or continue in another chain (jump returns, goto does not).</summary>
public sealed record NftVerdict(NftVerdictCode Code, string? Chain = null)
{
    public static readonly NftVerdict Accept = new(NftVerdictCode.Accept);
    public static readonly NftVerdict Drop = new(NftVerdictCode.Drop);
    public static readonly NftVerdict Return = new(NftVerdictCode.Return);

    public static NftVerdict Jump(string chain) => new(NftVerdictCode.Jump, chain);

    public static NftVerdict Goto(string chain) => new(NftVerdictCode.Goto, chain);

    public override string ToString() => Chain is null ? Code.ToString().ToLowerInvariant() : $"{Code.ToString().ToLowerInvariant()} -> {Chain}";
}

/// <summary>NF_DROP/NF_ACCEPT and the negative NFT_* verdict codes.</summary>
public enum NftVerdictCode
{
    Drop = 0,
    Accept = 1,
    Continue = -1,
    Break = -2,
    Jump = -3,
    Goto = -4,
    Return = -5,
}

/// <summary>Loads a verdict (into the verdict register) or constant data (into a data register).</summary>
public sealed record NftImmediate : NftExpression
{
    private NftImmediate(NftRegister destination, NftVerdict? verdict, byte[]? data)
    {
        Destination = destination;
        Verdict = verdict;
        Data = data;
    }

    public NftRegister Destination { get; }

    public NftVerdict? Verdict { get; }

    public byte[]? Data { get; }

    public override string Name => "immediate";

    public static NftImmediate Of(NftVerdict verdict) => new(NftRegister.Verdict, verdict, null);

    public static NftImmediate Of(NftRegister destination, byte[] data) => new(destination, null, data);

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 1, (uint)Destination);
        if (Verdict is { } verdict)
        {
            var data = writer.BeginNested(2);
            var inner = writer.BeginNested(DataAttr.Verdict);
            WriteU32BigEndian(writer, VerdictAttr.Code, unchecked((uint)(int)verdict.Code));
            if (verdict.Chain is { } chain)
            {
                writer.AttributeString(VerdictAttr.Chain, chain);
            }

            writer.EndNested(inner);
            writer.EndNested(data);
        }
        else
        {
            WriteDataValue(writer, 2, Data!);
        }
    }

    public override string ToString() => Verdict is { } v ? $"immediate reg 0 {v}" : $"immediate reg {(uint)Destination} 0x{Hex(Data)}";
}

/// <summary>NFT_NAT_SNAT / NFT_NAT_DNAT.</summary>
public enum NftNatType : uint
{
    Snat = 0,
    Dnat = 1,
}

/// <summary>
/// Source or destination NAT to the address (and port) held in registers; <see cref="NftRuleBuilder.Dnat"/>
/// loads them with immediates first, as nft does.
/// </summary>
public sealed record NftNat(NftNatType Type, NftFamily Family, NftRegister? AddressRegister, NftRegister? PortRegister) : NftExpression
{
    /// <summary>NF_NAT_RANGE_PROTO_SPECIFIED: a port range is given.</summary>
    public const uint ProtoSpecified = 0x2;

    public override string Name => "nat";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 1, (uint)Type);
        WriteU32BigEndian(writer, 2, (uint)Family);
        if (AddressRegister is { } address)
        {
            WriteU32BigEndian(writer, 3, (uint)address);
        }

        if (PortRegister is { } port)
        {
            WriteU32BigEndian(writer, 5, (uint)port);
            WriteU32BigEndian(writer, 7, ProtoSpecified);
        }
    }

    public override string ToString() => $"nat {Type.ToString().ToLowerInvariant()} {Family.ToString().ToLowerInvariant()} addr reg {(uint?)AddressRegister} proto reg {(uint?)PortRegister}";
}

/// <summary>Masquerade: source NAT to the outgoing interface's address.</summary>
public sealed record NftMasquerade : NftExpression
{
    public override string Name => "masq";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
    }

    public override string ToString() => "masq";
}

/// <summary>Counts packets and bytes that reach it.</summary>
public sealed record NftCounter : NftExpression
{
    public override string Name => "counter";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
    }

    public override string ToString() => "counter";
}

/// <summary>Route lookup: <c>fib daddr type</c> loads the RTN_* type of the destination address.</summary>
public sealed record NftFib(uint Flags, uint Result, NftRegister Destination = NftRegister.R1) : NftExpression
{
    public const uint FlagSaddr = 1;
    public const uint FlagDaddr = 2;
    public const uint ResultAddrType = 3;

    public override string Name => "fib";

    internal override void WriteData(NetlinkMessageWriter writer)
    {
        WriteU32BigEndian(writer, 3, Flags);
        WriteU32BigEndian(writer, 2, Result);
        WriteU32BigEndian(writer, 1, (uint)Destination);
    }

    public override string ToString() => $"fib flags {Flags} result {Result} => reg {(uint)Destination}";
}

/// <summary>An expression as the kernel dumped it: its name and the raw NFTA_EXPR_DATA attributes.</summary>
public sealed record NftRawExpression(string ExpressionName, ReadOnlyMemory<byte> Data) : NftExpression
{
    public override string Name => ExpressionName;

    internal override void WriteData(NetlinkMessageWriter writer) => writer.WriteBytes(Data.Span);

    /// <summary>The data attributes, for callers that inspect a dumped expression.</summary>
    public List<NetlinkAttribute> Attributes => NetlinkAttribute.ParseAll(Data);

    public override string ToString() => $"{ExpressionName} {Hex(Data.Span)}";
}

internal static class BigEndianBytes
{
    public static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, checked((ushort)value));
        return bytes;
    }

    public static byte[] U32LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }
}
