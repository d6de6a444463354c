using System.Net;
using System.Numerics;
using System.Net.Sockets;

namespace LibCni.Types;

/// <summary>Pure address arithmetic used by IPAM and the planners.</summary>
public static class IpMath
{
    public static IPAddress Mask(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsInByte = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsInByte));
        }

        return new IPAddress(bytes);
    }

    public static BigInteger ToInteger(IPAddress address) =>
        new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    public static IPAddress FromInteger(BigInteger value, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        var raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var bytes = new byte[length];
        Array.Copy(raw, Math.Max(0, raw.Length - length), bytes, Math.Max(0, length - raw.Length), Math.Min(length, raw.Length));
        return new IPAddress(bytes);
    }

    /// <summary>The next address, wrapping to all-zeros after all-ones.</summary>
    public static IPAddress Next(IPAddress address) => Add(address, 1);

    public static IPAddress Previous(IPAddress address) => Add(address, -1);

    public static IPAddress Add(IPAddress address, long delta)
    {
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var modulus = BigInteger.One << bits;
        var value = (ToInteger(address) + delta) % modulus;
        if (value < 0)
        {
            value += modulus;
        }

        return FromInteger(value, address.AddressFamily);
    }

    public static int Compare(IPAddress a, IPAddress b)
    {
        if (a.AddressFamily != b.AddressFamily)
        {
            return a.AddressFamily.CompareTo(b.AddressFamily);
        }

        return ToInteger(a).CompareTo(ToInteger(b));
    }

    /// <summary>The last address of the network: the broadcast address for IPv4.</summary>
    public static IPAddress LastAddress(CidrAddress network)
    {
        var bytes = network.Network.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsInByte = Math.Clamp(network.PrefixLength - (i * 8), 0, 8);
            bytes[i] |= (byte)~(0xFF << (8 - bitsInByte));
        }

        return new IPAddress(bytes);
    }
}
