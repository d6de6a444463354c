using System.Net;
using System.Net.Sockets;

namespace LibCni.Types;

/// <summary>IP address parsing and printing with the reference's rules (plain dotted IPv4, no zone, IPv4-mapped printed as IPv4).</summary>
public static class IpText
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text) || text.Contains('%') || text.Trim() != text)
        {
            return false;
        }

        // IPAddress.Parse accepts "1", "1.2" and hex forms; the reference accepts only four decimal parts.
        if (!text.Contains(':') && !IsDottedQuad(text))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        address = Normalize(parsed);
        return true;
    }

    public static IPAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"invalid IP address: {text}");

    /// <summary>IPv4-mapped IPv6 addresses are IPv4 for every purpose here, as in the reference.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static string Format(IPAddress address) => Normalize(address).ToString();

    public static bool IsV4(IPAddress address) => Normalize(address).AddressFamily == AddressFamily.InterNetwork;

    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }

            // Leading zeros are rejected by the reference (ambiguous octal).
            if (part.Length > 1 && part[0] == '0')
            {
                return false;
            }
        }

        return true;
    }
}
