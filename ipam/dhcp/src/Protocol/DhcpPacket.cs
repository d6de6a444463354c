using System.Buffers.Binary;
using System.Net;

namespace CniPlugins.Dhcp.Protocol;

/// <summary>DHCP message types (option 53).</summary>
public enum DhcpMessageType : byte
{
    None = 0,
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>
/// A BOOTP/DHCP message (RFC 2131): the fixed 236-byte header, the magic cookie and options. Options keep their order;
/// a code given more than once is joined (RFC 3396), and a value longer than 255 bytes is split when encoded.
/// </summary>
public sealed class DhcpPacket
{
    public const int HeaderLength = 236;
    public const ushort BroadcastFlag = 0x8000;
    private static readonly byte[] MagicCookie = [99, 130, 83, 99];

    public byte Op { get; set; } = 1;

    public uint TransactionId { get; set; }

    public ushort Seconds { get; set; }

    public ushort Flags { get; set; }

    public IPAddress ClientIp { get; set; } = IPAddress.Any;

    public IPAddress YourIp { get; set; } = IPAddress.Any;

    public IPAddress ServerIp { get; set; } = IPAddress.Any;

    public IPAddress RelayIp { get; set; } = IPAddress.Any;

    public byte[] ClientHardwareAddress { get; set; } = new byte[6];

    public List<(byte Code, byte[] Value)> Options { get; } = [];

    public DhcpMessageType MessageType => Option(DhcpOption.MessageType) is [var t] ? (DhcpMessageType)t : DhcpMessageType.None;

    public byte[]? Option(byte code) => Options.FirstOrDefault(o => o.Code == code).Value;

    public IPAddress? AddressOption(byte code) => Option(code) is { Length: >= 4 } v ? new IPAddress(v.AsSpan(0, 4)) : null;

    public uint? UInt32Option(byte code) => Option(code) is { Length: 4 } v ? BinaryPrimitives.ReadUInt32BigEndian(v) : null;

    public void SetOption(byte code, byte[] value)
    {
        Options.RemoveAll(o => o.Code == code);
        Options.Add((code, value));
    }

    public byte[] Encode()
    {
        var chaddr = ClientHardwareAddress;
        var output = new List<byte>(300);
        output.AddRange([Op, 1, (byte)Math.Min(chaddr.Length, 16), 0]);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, TransactionId);
        output.AddRange(word);
        BinaryPrimitives.WriteUInt16BigEndian(word, Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(word[2..], Flags);
        output.AddRange(word);
        foreach (var address in (ReadOnlySpan<IPAddress>)[ClientIp, YourIp, ServerIp, RelayIp])
        {
            output.AddRange(address.GetAddressBytes());
        }

        var hardware = new byte[16 + 64 + 128];
        chaddr.AsSpan(0, Math.Min(chaddr.Length, 16)).CopyTo(hardware);
        output.AddRange(hardware);
        output.AddRange(MagicCookie);
        foreach (var (code, value) in Options)
        {
            var offset = 0;
            do
            {
                var chunk = Math.Min(255, value.Length - offset);
                output.Add(code);
                output.Add((byte)chunk);
                output.AddRange(value.AsSpan(offset, chunk));
                offset += chunk;
            }
            while (offset < value.Length);
        }

        output.Add(DhcpOption.End);

        // Some servers and relays drop BOOTP messages shorter than the historical 300 bytes.
        while (output.Count < 300)
        {
            output.Add(0);
        }

        return [.. output];
    }

    /// <summary>Parses a message; null when it is not DHCP (too short, no magic cookie, options overrun).</summary>
    public static DhcpPacket? Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength + 4 || !data.Slice(HeaderLength, 4).SequenceEqual(MagicCookie))
        {
            return null;
        }

        var hlen = Math.Min((int)data[2], 16);
        var packet = new DhcpPacket
        {
            Op = data[0],
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(data[8..]),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(data[10..]),
            ClientIp = new IPAddress(data.Slice(12, 4)),
            YourIp = new IPAddress(data.Slice(16, 4)),
            ServerIp = new IPAddress(data.Slice(20, 4)),
            RelayIp = new IPAddress(data.Slice(24, 4)),
            ClientHardwareAddress = data.Slice(28, hlen).ToArray(),
        };
        var at = HeaderLength + 4;
        while (at < data.Length)
        {
            var code = data[at++];
            if (code == DhcpOption.Pad)
            {
                continue;
            }

            if (code == DhcpOption.End)
            {
                break;
            }

            if (at >= data.Length || at + 1 + data[at] > data.Length)
            {
                return null;
            }

            var value = data.Slice(at + 1, data[at]).ToArray();
            at += 1 + value.Length;
            var existing = packet.Options.FindIndex(o => o.Code == code);
            if (existing >= 0)
            {
                packet.Options[existing] = (code, [.. packet.Options[existing].Value, .. value]);
            }
            else
            {
                packet.Options.Add((code, value));
            }
        }

        return packet;
    }
}
