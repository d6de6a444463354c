using System.Globalization;
using System.Net;
using LibCni.Types;

namespace CniPlugins.Dhcp.Protocol;

/// <summary>Option codes used here (RFC 2132, 3442) and the reference's option names for <c>provide</c>/<c>request</c>.</summary>
public static class DhcpOption
{
    public const byte Pad = 0;
    public const byte SubnetMask = 1;
    public const byte Router = 3;
    public const byte DomainNameServer = 6;
    public const byte HostName = 12;
    public const byte DomainName = 15;
    public const byte StaticRoutes = 33;
    public const byte RequestedIp = 50;
    public const byte LeaseTime = 51;
    public const byte MessageType = 53;
    public const byte ServerId = 54;
    public const byte ParameterRequestList = 55;
    public const byte MaxMessageSize = 57;
    public const byte RenewalTime = 58;
    public const byte RebindingTime = 59;
    public const byte VendorClass = 60;
    public const byte ClientId = 61;
    public const byte UserClass = 77;
    public const byte ClasslessRoutes = 121;
    public const byte End = 255;

    private static readonly Dictionary<string, byte> Names = new(StringComparer.Ordinal)
    {
        ["dhcp-client-identifier"] = ClientId,
        ["subnet-mask"] = SubnetMask,
        ["routers"] = Router,
        ["host-name"] = HostName,
        ["user-class"] = UserClass,
        ["vendor-class-identifier"] = VendorClass,
    };

    /// <summary>A name from the reference's table or a decimal 0..255, with the reference's error text.</summary>
    public static byte ParseCode(string option)
    {
        if (Names.TryGetValue(option, out var code))
        {
            return code;
        }

        if (byte.TryParse(option, NumberStyles.None, CultureInfo.InvariantCulture, out code))
        {
            return code;
        }

        var why = option.Length > 0 && option.All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
        throw new FormatException($"Can not parse option \"{option}\": Can not parse option: strconv.ParseUint: parsing \"{option}\": {why}");
    }

    /// <summary>The prefix length of a contiguous mask; null for a malformed one.</summary>
    public static int? PrefixLength(byte[]? mask)
    {
        if (mask is not { Length: 4 })
        {
            return null;
        }

        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mask);
        var ones = System.Numerics.BitOperations.PopCount(value);
        return value == (ones == 0 ? 0 : uint.MaxValue << (32 - ones)) ? ones : null;
    }

    /// <summary>Option 121 (RFC 3442): width, the width's significant octets of the destination, then the router.</summary>
    public static List<(CidrAddress Dst, IPAddress Router)>? ParseClasslessRoutes(byte[] value)
    {
        var routes = new List<(CidrAddress, IPAddress)>();
        var at = 0;
        while (at < value.Length)
        {
            var width = value[at++];
            if (width > 32)
            {
                return null;
            }

            var octets = (width + 7) / 8;
            if (at + octets + 4 > value.Length)
            {
                return null;
            }

            var dst = new byte[4];
            value.AsSpan(at, octets).CopyTo(dst);
            at += octets;
            var router = new IPAddress(value.AsSpan(at, 4));
            at += 4;
            routes.Add((new CidrAddress(new IPAddress(dst), width).Masked, router));
        }

        return routes;
    }

    /// <summary>Option 33: destination/router pairs, the destination's mask taken from its class.</summary>
    public static List<(CidrAddress Dst, IPAddress Router)> ParseStaticRoutes(byte[] value)
    {
        var routes = new List<(CidrAddress, IPAddress)>();
        for (var at = 0; at + 8 <= value.Length; at += 8)
        {
            var dst = new IPAddress(value.AsSpan(at, 4));
            var first = value[at];
            var prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
            routes.Add((new CidrAddress(dst, prefix).Masked, new IPAddress(value.AsSpan(at + 4, 4))));
        }

        return routes;
    }
}
