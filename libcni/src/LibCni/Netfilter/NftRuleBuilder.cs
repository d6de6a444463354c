using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using LibCni.Types;

namespace LibCni.Netfilter;

/// <summary>
/// A constant a field is compared with: an address, a prefix, a number, a name or a MAC. The field decides
/// how it is encoded (a port is two big-endian bytes, a protocol one byte, an interface name 16 bytes).
/// </summary>
public readonly struct NftValue
{
    private NftValue(object value) => Value = value;

    public object Value { get; }

    public static implicit operator NftValue(IPAddress address) => new(address);

    public static implicit operator NftValue(IPNetwork network) => new(network);

    public static implicit operator NftValue(CidrAddress cidr) => new(new IPNetwork(cidr.Network, cidr.PrefixLength));

    public static implicit operator NftValue(int number) => new(number);

    public static implicit operator NftValue(string text) => new(text);

    public static implicit operator NftValue(PhysicalAddress mac) => new(mac);

    public override string ToString() => Value.ToString() ?? "";
}

/// <summary>How a field's value becomes bytes.</summary>
internal enum NftValueKind
{
    Ipv4Address,
    Ipv6Address,
    Port,
    Protocol,
    NetworkProtocol,
    InterfaceName,
    MacAddress,
    RouteType,
    EtherType,
}

/// <summary>
/// Something a rule can match: a header field (payload) or packet metadata (meta, fib). Compare it with
/// <c>==</c>/<c>!=</c> against an <see cref="NftValue"/>, or test set membership with <see cref="In"/>.
/// </summary>
public sealed class NftField
{
    internal NftField(string name, NftExpression load, int width, NftValueKind kind, NftFamily? networkProtocol = null)
    {
        Name = name;
        Load = load;
        Width = width;
        Kind = kind;
        NetworkProtocol = networkProtocol;
    }

    public string Name { get; }

    internal NftExpression Load { get; }

    internal int Width { get; }

    internal NftValueKind Kind { get; }

    /// <summary>Ip or Ip6 when the field lives in that network header (inet and bridge rules check the protocol first).</summary>
    internal NftFamily? NetworkProtocol { get; }

    public static NftMatch operator ==(NftField field, NftValue value) => new(field, NftCmpOp.Eq, value, null);

    public static NftMatch operator !=(NftField field, NftValue value) => new(field, NftCmpOp.Neq, value, null);

    /// <summary>The field's value is an element of the named set (<c>@set</c>).</summary>
    public NftMatch In(string set, uint? setId = null) => new(this, NftCmpOp.Eq, default, new NftLookup(set, false, setId));

    /// <summary>The field's value is not in the named set (<c>!= @set</c>).</summary>
    public NftMatch NotIn(string set, uint? setId = null) => new(this, NftCmpOp.Neq, default, new NftLookup(set, true, setId));

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Name;

    /// <summary>Encodes a full-width constant for this field.</summary>
    internal byte[] Encode(object value)
    {
        switch (Kind)
        {
            case NftValueKind.Ipv4Address or NftValueKind.Ipv6Address:
                var address = value as IPAddress ?? throw Wrong(value);
                var family = Kind == NftValueKind.Ipv4Address ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                return address.AddressFamily == family ? address.GetAddressBytes() : throw Wrong(value);
            case NftValueKind.Port:
                return value is int port and >= 0 and <= ushort.MaxValue ? BigEndianBytes.U16(port) : throw Wrong(value);
            case NftValueKind.Protocol:
                return [(byte)(value switch
                {
                    int number and >= 0 and <= 255 => number,
                    "tcp" => 6,
                    "udp" => 17,
                    "sctp" => 132,
                    "icmp" => 1,
                    "icmpv6" => 58,
                    _ => throw Wrong(value),
                })];
            case NftValueKind.NetworkProtocol:
                return [(byte)(value switch
                {
                    NftFamily.Ip or "ipv4" => 2,
                    NftFamily.Ip6 or "ipv6" => 10,
                    int number and >= 0 and <= 255 => number,
                    _ => throw Wrong(value),
                })];
            case NftValueKind.InterfaceName:
                var name = value as string ?? throw Wrong(value);
                var bytes = new byte[Width];
                if (Encoding.UTF8.GetByteCount(name) >= Width)
                {
                    throw Wrong(value);
                }

                Encoding.UTF8.GetBytes(name, bytes);
                return bytes;
            case NftValueKind.MacAddress:
                var mac = value switch
                {
                    PhysicalAddress physical => physical.GetAddressBytes(),
                    string text => PhysicalAddress.Parse(text).GetAddressBytes(),
                    _ => throw Wrong(value),
                };
                return mac.Length == 6 ? mac : throw Wrong(value);
            case NftValueKind.RouteType:
                return BigEndianBytes.U32LittleEndian(value switch
                {
                    "unicast" => 1,
                    "local" => 2,
                    "broadcast" => 3,
                    "multicast" => 5,
                    int number and >= 0 => (uint)number,
                    _ => throw Wrong(value),
                });
            default:
                return value is int etherType and >= 0 and <= ushort.MaxValue ? BigEndianBytes.U16(etherType) : throw Wrong(value);
        }
    }

    private ArgumentException Wrong(object value) => new($"{value} ({value.GetType().Name}) is not a valid value for {Name}", nameof(value));
}

/// <summary>The fields the plugins match on, named as nft names them.</summary>
public static class NftFields
{
    public static readonly NftField IpSaddr = new("ip saddr", new NftPayload(NftPayloadBase.Network, 12, 4), 4, NftValueKind.Ipv4Address, NftFamily.Ip);
    public static readonly NftField IpDaddr = new("ip daddr", new NftPayload(NftPayloadBase.Network, 16, 4), 4, NftValueKind.Ipv4Address, NftFamily.Ip);
    public static readonly NftField IpProtocol = new("ip protocol", new NftPayload(NftPayloadBase.Network, 9, 1), 1, NftValueKind.Protocol, NftFamily.Ip);
    public static readonly NftField Ip6Saddr = new("ip6 saddr", new NftPayload(NftPayloadBase.Network, 8, 16), 16, NftValueKind.Ipv6Address, NftFamily.Ip6);
    public static readonly NftField Ip6Daddr = new("ip6 daddr", new NftPayload(NftPayloadBase.Network, 24, 16), 16, NftValueKind.Ipv6Address, NftFamily.Ip6);
    public static readonly NftField ThSport = new("th sport", new NftPayload(NftPayloadBase.Transport, 0, 2), 2, NftValueKind.Port);
    public static readonly NftField ThDport = new("th dport", new NftPayload(NftPayloadBase.Transport, 2, 2), 2, NftValueKind.Port);
    public static readonly NftField EtherSaddr = new("ether saddr", new NftPayload(NftPayloadBase.LinkLayer, 6, 6), 6, NftValueKind.MacAddress);
    public static readonly NftField EtherDaddr = new("ether daddr", new NftPayload(NftPayloadBase.LinkLayer, 0, 6), 6, NftValueKind.MacAddress);

    /// <summary><c>meta l4proto</c>: "tcp", "udp", "sctp" or a number. With <see cref="ThDport"/> it is nft's <c>tcp dport</c>.</summary>
    public static readonly NftField L4Proto = new("meta l4proto", new NftMeta(NftMetaKey.L4Proto), 1, NftValueKind.Protocol);
    public static readonly NftField NfProto = new("meta nfproto", new NftMeta(NftMetaKey.NfProto), 1, NftValueKind.NetworkProtocol);
    public static readonly NftField Protocol = new("meta protocol", new NftMeta(NftMetaKey.Protocol), 2, NftValueKind.EtherType);
    public static readonly NftField IifName = new("iifname", new NftMeta(NftMetaKey.IifName), 16, NftValueKind.InterfaceName);
    public static readonly NftField OifName = new("oifname", new NftMeta(NftMetaKey.OifName), 16, NftValueKind.InterfaceName);

    /// <summary><c>fib daddr type</c>: compare with "local", "unicast", ... (RTN_* numbers).</summary>
    public static readonly NftField FibDaddrType = new("fib daddr type", new NftFib(NftFib.FlagDaddr, NftFib.ResultAddrType), 4, NftValueKind.RouteType);
}

/// <summary>A field compared with a constant (or looked up in a set); expands to nft's expressions.</summary>
public sealed record NftMatch(NftField Field, NftCmpOp Op, NftValue Value, NftLookup? Lookup)
{
    internal IEnumerable<NftExpression> Expand()
    {
        if (Lookup is not null)
        {
            yield return Field.Load;
            yield return Lookup;
            yield break;
        }

        if (Value.Value is IPNetwork network && Field.Load is NftPayload payload &&
            Field.Kind is NftValueKind.Ipv4Address or NftValueKind.Ipv6Address)
        {
            var bits = Field.Width * 8;
            var prefix = network.PrefixLength;
            var bytes = Field.Encode(network.BaseAddress);
            if (prefix == bits)
            {
                yield return payload;
                yield return new NftCmp(Op, bytes);
            }
            else if (prefix % 8 == 0 && prefix > 0)
            {
                // nft loads only the prefix's whole bytes.
                yield return payload with { Length = (uint)(prefix / 8) };
                yield return new NftCmp(Op, bytes[..(prefix / 8)]);
            }
            else
            {
                var mask = new byte[Field.Width];
                for (var bit = 0; bit < prefix; bit++)
                {
                    mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
                }

                yield return payload;
                yield return new NftBitwise((uint)Field.Width, mask, new byte[Field.Width]);
                yield return new NftCmp(Op, bytes.Select((b, i) => (byte)(b & mask[i])).ToArray());
            }

            yield break;
        }

        yield return Field.Load;
        yield return new NftCmp(Op, Field.Encode(Value.Value));
    }

    public override string ToString() => Lookup is { } l ? $"{Field} {(l.Inverted ? "!= " : "")}@{l.Set}" : $"{Field} {(Op == NftCmpOp.Eq ? "==" : "!=")} {Value}";
}

/// <summary>
/// Builds a rule the way nft would encode the same text, so the kernel holds what <c>nft list</c> shows as
/// the equivalent nft rule:
/// <code>
/// var rule = new NftRuleBuilder(NftFamily.Inet, "cni_plugins_masquerade", "masq_checks")
///     .Match(NftFields.IpSaddr == IPAddress.Parse("10.0.0.2"))
///     .Match(NftFields.IpDaddr != IPNetwork.Parse("10.0.0.0/24"))
///     .Masquerade()
///     .Comment("...")
///     .Build();
/// </code>
/// In inet and bridge tables the first ip/ip6 field adds the protocol check nft adds (meta nfproto /
/// meta protocol).
/// </summary>
public sealed class NftRuleBuilder(NftFamily family, string table, string chain)
{
    private readonly List<NftExpression> _expressions = [];
    private string? _comment;
    private NftFamily? _networkProtocol = family is NftFamily.Ip or NftFamily.Ip6 ? family : null;

    public NftRuleBuilder Match(NftMatch match)
    {
        if (match.Field.NetworkProtocol is { } protocol)
        {
            RequireNetworkProtocol(protocol, match.Field);
        }

        _expressions.AddRange(match.Expand());
        return this;
    }

    public NftRuleBuilder Counter() => Add(new NftCounter());

    public NftRuleBuilder Accept() => Verdict(NftVerdict.Accept);

    public NftRuleBuilder Drop() => Verdict(NftVerdict.Drop);

    public NftRuleBuilder Return() => Verdict(NftVerdict.Return);

    public NftRuleBuilder Jump(string target) => Verdict(NftVerdict.Jump(target));

    public NftRuleBuilder Goto(string target) => Verdict(NftVerdict.Goto(target));

    public NftRuleBuilder Verdict(NftVerdict verdict) => Add(NftImmediate.Of(verdict));

    public NftRuleBuilder Masquerade() => Add(new NftMasquerade());

    /// <summary><c>dnat to address[:port]</c> (in inet tables, <c>dnat ip|ip6 to ...</c>).</summary>
    public NftRuleBuilder Dnat(IPAddress address, int? port = null) => Nat(NftNatType.Dnat, address, port);

    /// <summary><c>snat to address[:port]</c>.</summary>
    public NftRuleBuilder Snat(IPAddress address, int? port = null) => Nat(NftNatType.Snat, address, port);

    /// <summary>Any other expression, appended as is.</summary>
    public NftRuleBuilder Add(NftExpression expression)
    {
        _expressions.Add(expression);
        return this;
    }

    public NftRuleBuilder Comment(string comment)
    {
        if (Encoding.UTF8.GetByteCount(comment) > NftRule.MaxCommentLength)
        {
            throw new ArgumentException($"nftables comment is longer than {NftRule.MaxCommentLength} bytes: \"{comment}\"", nameof(comment));
        }

        _comment = comment;
        return this;
    }

    public NftRule Build() => new(family, table, chain, _expressions.ToList()) { Comment = _comment };

    public static implicit operator NftRule(NftRuleBuilder builder) => builder.Build();

    private NftRuleBuilder Nat(NftNatType type, IPAddress address, int? port)
    {
        var natFamily = address.AddressFamily == AddressFamily.InterNetwork ? NftFamily.Ip : NftFamily.Ip6;
        if (family is NftFamily.Ip or NftFamily.Ip6 && family != natFamily)
        {
            throw new ArgumentException($"cannot {type.ToString().ToLowerInvariant()} to {address} in a {family} table", nameof(address));
        }

        _expressions.Add(NftImmediate.Of(NftRegister.R1, address.GetAddressBytes()));
        if (port is { } p)
        {
            _expressions.Add(NftImmediate.Of(NftRegister.R2, BigEndianBytes.U16(p)));
        }

        _expressions.Add(new NftNat(type, natFamily, NftRegister.R1, port is null ? null : NftRegister.R2));
        return this;
    }

    private void RequireNetworkProtocol(NftFamily protocol, NftField field)
    {
        if (_networkProtocol == protocol)
        {
            return;
        }

        if (_networkProtocol is not null || family is not (NftFamily.Inet or NftFamily.Bridge or NftFamily.Netdev))
        {
            throw new ArgumentException($"{field} cannot be matched in this {family} rule (conflicting protocols)", nameof(field));
        }

        _networkProtocol = protocol;
        _expressions.AddRange(family == NftFamily.Inet
            ? new NftMatch(NftFields.NfProto, NftCmpOp.Eq, protocol == NftFamily.Ip ? 2 : 10, null).Expand()
            : new NftMatch(NftFields.Protocol, NftCmpOp.Eq, protocol == NftFamily.Ip ? 0x0800 : 0x86dd, null).Expand());
    }
}
