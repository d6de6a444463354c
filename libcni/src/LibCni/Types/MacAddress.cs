using System.Globalization;
using LibCni.Netlink.Route;

namespace LibCni.Types;

/// <summary>
/// Hardware addresses in every form Go's net.ParseMAC accepts: 6, 8 or 20 octets written
/// <c>00:00:5e:00:53:01</c>, <c>00-00-5e-00-53-01</c> or <c>0000.5e00.5301</c>.
/// </summary>
public static class MacAddress
{
    public static bool TryParse(string text, out byte[] address)
    {
        address = [];
        if (text.Length < 14)
        {
            return false;
        }

        if (text[2] is ':' or '-')
        {
            if ((text.Length + 1) % 3 != 0)
            {
                return false;
            }

            var separator = text[2];
            var n = (text.Length + 1) / 3;
            if (n is not (6 or 8 or 20))
            {
                return false;
            }

            var bytes = new byte[n];
            for (int i = 0, x = 0; i < n; i++, x += 3)
            {
                if (!Octet(text, x, out bytes[i]) || (i < n - 1 && text[x + 2] != separator))
                {
                    return false;
                }
            }

            address = bytes;
            return true;
        }

        if (text[4] == '.')
        {
            if ((text.Length + 1) % 5 != 0)
            {
                return false;
            }

            var n = 2 * (text.Length + 1) / 5;
            if (n is not (6 or 8 or 20))
            {
                return false;
            }

            var bytes = new byte[n];
            for (int i = 0, x = 0; i < n; i += 2, x += 5)
            {
                if (!Octet(text, x, out bytes[i]) || !Octet(text, x + 2, out bytes[i + 1]) || (x + 4 < text.Length && text[x + 4] != '.'))
                {
                    return false;
                }
            }

            address = bytes;
            return true;
        }

        return false;
    }

    /// <summary>Parses or throws code 7 naming the value and where it came from.</summary>
    public static byte[] Parse(string text, string source) =>
        TryParse(text, out var address)
            ? address
            : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MAC address \"{text}\" in {source}",
                "expected a form Go's net.ParseMAC accepts, e.g. 0a:58:0a:f4:00:05, 0a-58-0a-f4-00-05 or 0a58.0af4.0005");

    /// <summary>
    /// A MAC for an Ethernet interface (veth, macvlan, ...): any form <see cref="TryParse"/> reads, but six octets and
    /// unicast, as the kernel takes it. Code 7 names the value otherwise.
    /// </summary>
    public static byte[] ParseInterfaceMac(string text)
    {
        if (!TryParse(text, out var mac))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MAC address \"{text}\"",
                "expected six hex octets as 0a:58:0a:f4:00:05, 0a-58-0a-f4-00-05 or 0a58.0af4.0005");
        }

        if (mac.Length != 6)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MAC address \"{text}\"", $"a {mac.Length}-octet hardware address does not fit an Ethernet interface");
        }

        if ((mac[0] & 1) != 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MAC address \"{text}\"", "a multicast address cannot be an interface address");
        }

        return mac;
    }

    /// <summary>The kernel's (and Go's) text form: lowercase octets joined by colons.</summary>
    public static string Format(ReadOnlySpan<byte> address) => LinkInfo.FormatMac(address);

    private static bool Octet(string text, int at, out byte value)
    {
        value = 0;
        return at + 2 <= text.Length && byte.TryParse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
