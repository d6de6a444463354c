using System.Buffers.Binary;
using System.Net;

namespace CniPlugins.Dhcp.Protocol;

/// <summary>The IPv4 and UDP headers around a DHCP message, for a packet socket that works below the IP stack.</summary>
public static class Ipv4Udp
{
    public const int ClientPort = 68;
    public const int ServerPort = 67;

    public static byte[] Build(IPAddress source, IPAddress destination, int sourcePort, int destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        var ip = packet.AsSpan(0, 20);
        ip[0] = 0x45;
        ip[1] = 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
        ip[8] = 64;
        ip[9] = 17;
        source.GetAddressBytes().CopyTo(ip[12..]);
        destination.GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));

        var udp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        payload.CopyTo(udp[8..]);

        // The UDP checksum covers a pseudo header: addresses, protocol and UDP length.
        uint pseudo = 17 + (uint)udp.Length;
        pseudo += Sum(ip.Slice(12, 8));
        var checksum = Checksum(udp, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
        return packet;
    }

    /// <summary>The UDP payload of an IPv4 datagram to <paramref name="port"/>, or empty if it is something else.</summary>
    public static ReadOnlySpan<byte> UdpPayload(ReadOnlySpan<byte> datagram, int port, out IPAddress source)
    {
        source = IPAddress.Any;
        if (datagram.Length < 28 || datagram[0] >> 4 != 4 || datagram[9] != 17)
        {
            return [];
        }

        var headerLength = (datagram[0] & 0xf) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        var fragment = BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]) & 0x3fff;
        if (headerLength < 20 || total > datagram.Length || headerLength + 8 > total || fragment != 0)
        {
            return [];
        }

        var udp = datagram[headerLength..total];
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != port || udpLength < 8 || udpLength > udp.Length)
        {
            return [];
        }

        // The UDP checksum is not verified: over veth it may still be partial (checksum offload).
        source = new IPAddress(datagram.Slice(12, 4));
        return udp[8..udpLength];
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }

        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        var sum = initial + Sum(data);
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
