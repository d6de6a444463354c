using System.Buffers.Binary;
using System.Net;
using CniPlugins.Dhcp.Protocol;
using LibCni.Kernel;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>Sends DHCP messages from the client port and receives replies to it on one interface.</summary>
public interface IDhcpTransport : IDisposable
{
    void Send(DhcpPacket packet, IPAddress source, IPAddress destination, byte[] destinationMac);

    /// <summary>The next DHCP message to port 68 within <paramref name="timeout"/>, with the sender's MAC; null on timeout.</summary>
    (DhcpPacket Packet, byte[] Mac)? Receive(TimeSpan timeout);
}

/// <summary>The transport over an AF_PACKET socket in the container netns.</summary>
public sealed class PacketTransport(PacketSocket socket) : IDhcpTransport
{
    private static readonly byte[] BroadcastMac = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    private readonly byte[] _buffer = new byte[65536];

    public void Send(DhcpPacket packet, IPAddress source, IPAddress destination, byte[] destinationMac) =>
        socket.Send(Ipv4Udp.Build(source, destination, Ipv4Udp.ClientPort, Ipv4Udp.ServerPort, packet.Encode()),
            destinationMac.Length == 0 || destination.Equals(IPAddress.Broadcast) ? BroadcastMac : destinationMac);

    public (DhcpPacket, byte[])? Receive(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (deadline - DateTime.UtcNow is { Ticks: > 0 } left)
        {
            var length = socket.Receive(_buffer, left, out var mac);
            if (length == 0)
            {
                return null;
            }

            var payload = Ipv4Udp.UdpPayload(_buffer.AsSpan(0, length), Ipv4Udp.ClientPort, out _);
            if (DhcpPacket.Decode(payload) is { Op: 2 } packet)
            {
                return (packet, mac);
            }
        }

        return null;
    }

    /// <summary>Closed off the caller's path: the close waits for an RCU grace period, the lease's answer need not.</summary>
    public void Dispose() => socket.DisposeInBackground();
}

/// <summary>An acknowledged lease: the ACK itself (everything else is derived from it) and the server's MAC.</summary>
public sealed record AckedLease(DhcpPacket Ack, byte[] ServerMac, DateTimeOffset Acquired)
{
    public IPAddress Address => Ack.YourIp;

    public IPAddress? Server => Ack.AddressOption(DhcpOption.ServerId);

    public LeaseTimeline Timeline => LeaseTimeline.From(Acquired, Ack.UInt32Option(DhcpOption.LeaseTime),
        Ack.UInt32Option(DhcpOption.RenewalTime), Ack.UInt32Option(DhcpOption.RebindingTime));
}

/// <summary>
/// One client's exchanges (RFC 2131): DISCOVER/OFFER/REQUEST/ACK, renewal REQUEST, RELEASE. Each send is repeated
/// up to three times with the wait doubling from <paramref name="timeout"/>, the reference library's rule.
/// </summary>
public sealed class DhcpClient(IDhcpTransport transport, byte[] mac, string clientId, LeaseConfig config, TimeSpan timeout, bool broadcast)
{
    private const int Sends = 3;

    public Func<uint> NewTransactionId { get; init; } = () =>
    {
        Span<byte> bytes = stackalloc byte[4];
        KernelRandom.Fill(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    };

    public AckedLease Acquire(CancellationToken cancel)
    {
        var xid = NewTransactionId();
        var discover = Message(DhcpMessageType.Discover, xid);
        var offer = Exchange(discover, IPAddress.Any, IPAddress.Broadcast, [], xid, [DhcpMessageType.Offer], cancel, "DHCPOFFER")
            ?? throw new TimeoutException("timed out while listening for replies");
        var server = offer.Packet.AddressOption(DhcpOption.ServerId)
            ?? throw new IOException("DHCPOFFER without a server identifier");
        var request = Message(DhcpMessageType.Request, xid);
        request.SetOption(DhcpOption.RequestedIp, offer.Packet.YourIp.GetAddressBytes());
        request.SetOption(DhcpOption.ServerId, server.GetAddressBytes());
        return Commit(Exchange(request, IPAddress.Any, IPAddress.Broadcast, [], xid, [DhcpMessageType.Ack, DhcpMessageType.Nak], cancel, "DHCPACK"));
    }

    /// <summary>RENEWING: a REQUEST from the leased address, unicast to the server that granted it.</summary>
    public AckedLease Renew(AckedLease lease, CancellationToken cancel)
    {
        var xid = NewTransactionId();
        var request = Message(DhcpMessageType.Request, xid);
        request.ClientIp = lease.Address;
        var server = lease.Server ?? IPAddress.Broadcast;
        return Commit(Exchange(request, lease.Address, server, lease.ServerMac, xid, [DhcpMessageType.Ack, DhcpMessageType.Nak], cancel, "DHCPACK"));
    }

    /// <summary>DHCPRELEASE needs no answer; it is sent once.</summary>
    public void Release(AckedLease lease)
    {
        var release = new DhcpPacket { TransactionId = NewTransactionId(), ClientHardwareAddress = mac, ClientIp = lease.Address };
        release.SetOption(DhcpOption.MessageType, [(byte)DhcpMessageType.Release]);
        if (lease.Server is { } server)
        {
            release.SetOption(DhcpOption.ServerId, server.GetAddressBytes());
        }

        release.SetOption(DhcpOption.ClientId, ClientIdOption());
        transport.Send(release, lease.Address, lease.Server ?? IPAddress.Broadcast, lease.ServerMac);
    }

    private static AckedLease Commit((DhcpPacket Packet, byte[] Mac)? reply)
    {
        if (reply is not { } r)
        {
            throw new TimeoutException("timed out while listening for replies");
        }

        return r.Packet.MessageType == DhcpMessageType.Nak
            ? throw new IOException($"got DHCPNAK{(r.Packet.Option(56) is { } m ? ": " + System.Text.Encoding.UTF8.GetString(m) : "")}")
            : new AckedLease(r.Packet, r.Mac, DateTimeOffset.UtcNow);
    }

    private byte[] ClientIdOption() =>
        config.Provide.FirstOrDefault(p => p.Code == DhcpOption.ClientId).Value ?? [0, .. System.Text.Encoding.UTF8.GetBytes(clientId)];

    private DhcpPacket Message(DhcpMessageType type, uint xid)
    {
        var packet = new DhcpPacket
        {
            TransactionId = xid,
            ClientHardwareAddress = mac,
            Flags = broadcast ? DhcpPacket.BroadcastFlag : (ushort)0,
        };
        packet.SetOption(DhcpOption.MessageType, [(byte)type]);
        packet.SetOption(DhcpOption.ClientId, ClientIdOption());
        packet.SetOption(DhcpOption.MaxMessageSize, [1500 >> 8, 1500 & 0xff]);
        packet.SetOption(DhcpOption.ParameterRequestList, config.RequestList);
        foreach (var (code, value) in config.Provide)
        {
            if (code != DhcpOption.ClientId)
            {
                packet.SetOption(code, value);
            }
        }

        return packet;
    }

    private (DhcpPacket Packet, byte[] Mac)? Exchange(DhcpPacket packet, IPAddress source, IPAddress destination, byte[] destinationMac,
        uint xid, DhcpMessageType[] accept, CancellationToken cancel, string waitingFor)
    {
        var wait = timeout;
        for (var send = 0; send < Sends; send++)
        {
            cancel.ThrowIfCancellationRequested();
            transport.Send(packet, source, destination, destinationMac);
            var deadline = DateTime.UtcNow + wait;
            while (deadline - DateTime.UtcNow is { Ticks: > 0 } left)
            {
                cancel.ThrowIfCancellationRequested();

                // Short slices, so a stop request is seen quickly.
                var reply = transport.Receive(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250));
                if (reply is { } r && r.Packet.TransactionId == xid && accept.Contains(r.Packet.MessageType) &&
                    r.Packet.ClientHardwareAddress.AsSpan().SequenceEqual(mac))
                {
                    return r;
                }
            }

            wait *= 2;
        }

        _ = waitingFor;
        return null;
    }
}
