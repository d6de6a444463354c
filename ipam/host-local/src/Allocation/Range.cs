using System.Net;
using LibCni.Types;

namespace CniPlugins.HostLocal.Allocation;

/// <summary>
/// One validated range: addresses <see cref="RangeStart"/>..<see cref="RangeEnd"/> (both inclusive) of
/// <see cref="Subnet"/>, handing out <see cref="Gateway"/> never. Build it with <see cref="Create"/>.
/// </summary>
public sealed record Range(CidrAddress Subnet, IPAddress RangeStart, IPAddress RangeEnd, IPAddress Gateway)
{
    public bool IsV4 => Subnet.IsV4;

    /// <summary>
    /// Fills in defaults and validates like the reference's <c>Range.Canonicalize</c>, with its messages:
    /// gateway defaults to subnet+1 and is not required to lie in the subnet; rangeStart defaults to
    /// subnet+1; rangeEnd defaults to the last address (IPv4: the one before broadcast).
    /// </summary>
    /// <exception cref="InvalidRangeException">the range cannot be used.</exception>
    public static Range Create(CidrAddress subnet, IPAddress? rangeStart, IPAddress? rangeEnd, IPAddress? gateway)
    {
        if (subnet.PrefixLength > subnet.AddressBits - 2)
        {
            throw new InvalidRangeException($"Network {subnet} too small to allocate from");
        }

        var network = subnet.Network;
        if (!network.Equals(IpText.Normalize(subnet.Address)))
        {
            throw new InvalidRangeException(
                $"Network has host bits set. For a subnet mask of length {subnet.PrefixLength} the network address is {IpText.Format(network)}");
        }

        var masked = subnet.Masked;
        var firstHost = IpMath.Next(network);
        gateway = gateway is null ? firstHost : IpText.Normalize(gateway);

        // The reference checks bounds with its own Contains, which also compares against the start already
        // set: a rangeEnd before rangeStart is reported as "not in network".
        var start = rangeStart is null ? firstHost : IpText.Normalize(rangeStart);
        if (rangeStart is not null && !masked.Contains(start))
        {
            throw new InvalidRangeException($"RangeStart {IpText.Format(start)} not in network {masked}");
        }

        IPAddress end;
        if (rangeEnd is null)
        {
            end = IpMath.LastAddress(masked);
            if (subnet.IsV4)
            {
                end = IpMath.Previous(end);
            }
        }
        else
        {
            end = IpText.Normalize(rangeEnd);
            if (!masked.Contains(end) || IpMath.Compare(end, start) < 0)
            {
                throw new InvalidRangeException($"RangeEnd {IpText.Format(end)} not in network {masked}");
            }
        }

        return new Range(masked, start, end, gateway);
    }

    /// <summary>True when <paramref name="address"/> is of this family, in the subnet and within start..end.</summary>
    public bool Contains(IPAddress address)
    {
        address = IpText.Normalize(address);
        return Subnet.Contains(address) && IpMath.Compare(address, RangeStart) >= 0 && IpMath.Compare(address, RangeEnd) <= 0;
    }

    public bool Overlaps(Range other) =>
        IsV4 == other.IsV4 &&
        (Contains(other.RangeStart) || Contains(other.RangeEnd) || other.Contains(RangeStart) || other.Contains(RangeEnd));

    /// <summary>
    /// Addresses that are never handed out although they are in start..end: the gateway, the network
    /// address, and the IPv4 broadcast address (the last two only matter when rangeStart/rangeEnd name them).
    /// </summary>
    public bool IsReservedAddress(IPAddress address) =>
        address.Equals(Gateway) || address.Equals(Subnet.Network) || (IsV4 && address.Equals(IpMath.LastAddress(Subnet)));

    public override string ToString() => $"{IpText.Format(RangeStart)}-{IpText.Format(RangeEnd)}";
}

/// <summary>A range or range set the reference would reject; the message is the reference's text.</summary>
public sealed class InvalidRangeException(string message) : Exception(message);
