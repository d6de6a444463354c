using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LibCni.Types;

/// <summary>
/// An address with its prefix length, host bits kept: <c>10.1.0.5/16</c>. This is the reference's
/// <c>types.IPNet</c>; <see cref="System.Net.IPNetwork"/> cannot hold host bits.
/// </summary>
public readonly record struct CidrAddress(IPAddress Address, int PrefixLength)
{
    public bool IsV4 => Address.AddressFamily == AddressFamily.InterNetwork;

    public int AddressBits => IsV4 ? 32 : 128;

    /// <summary>The network address: host bits cleared.</summary>
    public IPAddress Network => IpMath.Mask(Address, PrefixLength);

    public CidrAddress Masked => new(Network, PrefixLength);

    public bool Contains(IPAddress address)
    {
        address = IpText.Normalize(address);
        return address.AddressFamily == Address.AddressFamily && IpMath.Mask(address, PrefixLength).Equals(Network);
    }

    public static bool TryParse(string? text, out CidrAddress cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var slash = text.IndexOf('/');
        if (slash < 0 || !IpText.TryParse(text[..slash], out var address))
        {
            return false;
        }

        var prefixText = text[(slash + 1)..];
        if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit))
        {
            return false;
        }

        var prefix = int.Parse(prefixText, CultureInfo.InvariantCulture);
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
        {
            return false;
        }

        cidr = new CidrAddress(address, prefix);
        return true;
    }

    public static CidrAddress Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"invalid CIDR address: {text}");

    public override string ToString() => $"{IpText.Format(Address)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";
}
