using System.Buffers.Binary;
using System.Net;
using CniPlugins.Dhcp.Protocol;
using Xunit;

namespace Dhcp.Tests;

public sealed class DhcpPacketTests
{
    private static readonly byte[] Mac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02];

    private static DhcpPacket Sample()
    {
        var packet = new DhcpPacket
        {
            Op = 2,
            TransactionId = 0xdeadbeef,
            Seconds = 3,
            Flags = DhcpPacket.BroadcastFlag,
            ClientIp = IPAddress.Parse("10.0.0.5"),
            YourIp = IPAddress.Parse("10.0.0.6"),
            ServerIp = IPAddress.Parse("10.0.0.1"),
            RelayIp = IPAddress.Parse("10.0.0.254"),
            ClientHardwareAddress = Mac,
        };
        packet.SetOption(DhcpOption.MessageType, [(byte)DhcpMessageType.Ack]);
        packet.SetOption(DhcpOption.SubnetMask, [255, 255, 255, 0]);
        packet.SetOption(DhcpOption.LeaseTime, [0, 0, 0x0e, 0x10]);
        return packet;
    }

    [Fact]
    public void The_header_is_laid_out_as_rfc_2131_section_2()
    {
        var bytes = Sample().Encode();
        Assert.Equal([2, 1, 6, 0], bytes[..4]);
        Assert.Equal(0xdeadbeefu, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(8)));
        Assert.Equal(0x8000, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(10)));
        Assert.Equal([10, 0, 0, 5, 10, 0, 0, 6, 10, 0, 0, 1, 10, 0, 0, 254], bytes[12..28]);
        Assert.Equal(Mac, bytes[28..34]);

        // The rest of chaddr, sname and file are zero; the magic cookie follows at 236.
        Assert.All(bytes[34..236], b => Assert.Equal(0, b));
        Assert.Equal([99, 130, 83, 99], bytes[236..240]);
        Assert.Equal([53, 1, 5, 1, 4, 255, 255, 255, 0, 51, 4, 0, 0, 0x0e, 0x10, 255], bytes[240..256]);
    }

    [Fact]
    public void A_short_message_is_padded_to_the_bootp_minimum_of_300_bytes()
    {
        var bytes = new DhcpPacket().Encode();
        Assert.Equal(300, bytes.Length);
        Assert.Equal(255, bytes[240]);
    }

    [Fact]
    public void A_message_reads_back_as_it_was_built()
    {
        var packet = DhcpPacket.Decode(Sample().Encode())!;
        Assert.Equal((2, 0xdeadbeefu, (ushort)3, DhcpPacket.BroadcastFlag), (packet.Op, packet.TransactionId, packet.Seconds, packet.Flags));
        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("10.0.0.6"), IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.254")],
            [packet.ClientIp, packet.YourIp, packet.ServerIp, packet.RelayIp]);
        Assert.Equal(Mac, packet.ClientHardwareAddress);
        Assert.Equal(DhcpMessageType.Ack, packet.MessageType);
        Assert.Equal(3600u, packet.UInt32Option(DhcpOption.LeaseTime));
        Assert.Equal(IPAddress.Parse("255.255.255.0"), packet.AddressOption(DhcpOption.SubnetMask));
        Assert.Equal([DhcpOption.MessageType, DhcpOption.SubnetMask, DhcpOption.LeaseTime], packet.Options.Select(o => o.Code));
    }

    [Fact]
    public void A_value_over_255_bytes_is_split_on_encode_and_joined_on_decode()
    {
        var packet = new DhcpPacket();
        var value = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        packet.SetOption(DhcpOption.ClasslessRoutes, value);
        var bytes = packet.Encode();

        // 255 + 255 + 90, each chunk its own code and length (RFC 3396).
        Assert.Equal([121, 255], bytes[240..242]);
        Assert.Equal([121, 255], bytes[(242 + 255)..(244 + 255)]);
        Assert.Equal([121, 90], bytes[(244 + 510)..(246 + 510)]);
        Assert.Equal(value, DhcpPacket.Decode(bytes)!.Option(DhcpOption.ClasslessRoutes));
    }

    [Fact]
    public void An_empty_option_value_is_sent_with_length_zero()
    {
        var packet = new DhcpPacket();
        packet.SetOption(80, []);
        Assert.Equal([80, 0, 255], packet.Encode()[240..243]);
        Assert.Equal([], DhcpPacket.Decode(packet.Encode())!.Option(80)!);
    }

    [Fact]
    public void Pad_is_skipped_and_nothing_after_end_is_read()
    {
        var bytes = Sample().Encode();
        byte[] options = [0, 0, 53, 1, 2, 255, 54, 4, 1, 2, 3, 4];
        options.CopyTo(bytes, 240);
        var packet = DhcpPacket.Decode(bytes)!;
        Assert.Equal(DhcpMessageType.Offer, packet.MessageType);
        Assert.Null(packet.Option(DhcpOption.ServerId));
    }

    [Fact]
    public void Set_option_replaces_an_earlier_value()
    {
        var packet = Sample();
        packet.SetOption(DhcpOption.MessageType, [(byte)DhcpMessageType.Nak]);
        Assert.Equal(DhcpMessageType.Nak, packet.MessageType);
        Assert.Single(packet.Options, o => o.Code == DhcpOption.MessageType);
    }

    [Fact]
    public void Typed_option_readers_refuse_wrong_lengths()
    {
        var packet = new DhcpPacket();
        packet.SetOption(DhcpOption.LeaseTime, [1, 2, 3]);
        packet.SetOption(DhcpOption.MessageType, [5, 5]);
        packet.SetOption(DhcpOption.Router, [10, 0, 0]);
        Assert.Null(packet.UInt32Option(DhcpOption.LeaseTime));
        Assert.Equal(DhcpMessageType.None, packet.MessageType);
        Assert.Null(packet.AddressOption(DhcpOption.Router));
        Assert.Null(packet.UInt32Option(DhcpOption.RenewalTime));
    }

    [Fact]
    public void The_first_of_several_routers_is_the_address_option()
    {
        var packet = new DhcpPacket();
        packet.SetOption(DhcpOption.Router, [10, 0, 0, 1, 10, 0, 0, 2]);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), packet.AddressOption(DhcpOption.Router));
    }

    [Fact]
    public void What_is_not_dhcp_does_not_decode()
    {
        var good = Sample().Encode();
        Assert.Null(DhcpPacket.Decode(good.AsSpan(0, 239)));

        var noCookie = (byte[])good.Clone();
        noCookie[236] = 0;
        Assert.Null(DhcpPacket.Decode(noCookie));

        // An option whose length runs past the end.
        var overrun = good[..243];
        overrun[240] = 12;
        overrun[241] = 10;
        Assert.Null(DhcpPacket.Decode(overrun));

        // A code as the very last byte, with no length.
        var codeOnly = good[..241];
        codeOnly[240] = 12;
        Assert.Null(DhcpPacket.Decode(codeOnly));
    }

    [Fact]
    public void A_message_without_end_still_decodes_its_options()
    {
        var bytes = Sample().Encode()[..249];
        Assert.Equal(IPAddress.Parse("255.255.255.0"), DhcpPacket.Decode(bytes)!.AddressOption(DhcpOption.SubnetMask));
    }

    [Fact]
    public void A_hardware_length_over_16_is_capped()
    {
        var bytes = Sample().Encode();
        bytes[2] = 200;
        Assert.Equal(16, DhcpPacket.Decode(bytes)!.ClientHardwareAddress.Length);
    }
}

public sealed class Ipv4UdpTests
{
    private static ushort OnesComplementSum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        var sum = initial;
        for (var i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) + (i + 1 < data.Length ? data[i + 1] : 0u);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)sum;
    }

    [Fact]
    public void A_built_datagram_has_valid_ip_and_udp_checksums()
    {
        byte[] payload = [1, 2, 3, 4, 5];
        var packet = Ipv4Udp.Build(IPAddress.Any, IPAddress.Broadcast, 68, 67, payload);

        Assert.Equal(20 + 8 + 5, packet.Length);
        Assert.Equal((0x45, 17, 64), (packet[0], packet[9], packet[8]));
        Assert.Equal(33, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        Assert.Equal(0xffff, OnesComplementSum(packet.AsSpan(0, 20)));

        // Over the pseudo header (addresses, protocol 17, UDP length) and the UDP segment, the sum is all ones.
        var udp = packet.AsSpan(20);
        Assert.Equal((68, 67, 13), (BinaryPrimitives.ReadUInt16BigEndian(udp), BinaryPrimitives.ReadUInt16BigEndian(udp[2..]), BinaryPrimitives.ReadUInt16BigEndian(udp[4..])));
        uint pseudo = 17u + (uint)udp.Length + OnesComplementSum(packet.AsSpan(12, 8));
        Assert.Equal(0xffff, OnesComplementSum(udp, pseudo));
        Assert.Equal(payload, udp[8..].ToArray());
    }

    [Fact]
    public void The_payload_comes_out_of_a_datagram_to_the_port()
    {
        var packet = Ipv4Udp.Build(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.9"), 67, 68, [9, 8, 7]);
        var payload = Ipv4Udp.UdpPayload(packet, 68, out var source);
        Assert.Equal([9, 8, 7], payload.ToArray());
        Assert.Equal(IPAddress.Parse("10.0.0.1"), source);
    }

    [Fact]
    public void Trailing_link_padding_is_not_part_of_the_payload()
    {
        var packet = Ipv4Udp.Build(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.9"), 67, 68, [9, 8, 7]);
        Assert.Equal([9, 8, 7], Ipv4Udp.UdpPayload([.. packet, 0, 0, 0, 0], 68, out _).ToArray());
    }

    [Fact]
    public void Other_ports_fragments_and_non_udp_are_ignored()
    {
        var packet = Ipv4Udp.Build(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.9"), 67, 68, [9, 8, 7]);
        Assert.True(Ipv4Udp.UdpPayload(packet, 67, out _).IsEmpty);

        var fragment = (byte[])packet.Clone();
        fragment[6] = 0x20;
        Assert.True(Ipv4Udp.UdpPayload(fragment, 68, out _).IsEmpty);

        var tcp = (byte[])packet.Clone();
        tcp[9] = 6;
        Assert.True(Ipv4Udp.UdpPayload(tcp, 68, out _).IsEmpty);

        Assert.True(Ipv4Udp.UdpPayload(packet.AsSpan(0, 27), 68, out _).IsEmpty);
    }

    [Fact]
    public void A_udp_length_beyond_the_datagram_is_ignored()
    {
        var packet = Ipv4Udp.Build(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.9"), 67, 68, [9, 8, 7]);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), 200);
        Assert.True(Ipv4Udp.UdpPayload(packet, 68, out _).IsEmpty);
    }
}
