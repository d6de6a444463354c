using System.Diagnostics;
using System.Net;
using System.Text;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dhcp.Protocol;
using Xunit;

namespace Dhcp.Tests;

/// <summary>A transport whose "server" answers each sent message with scripted replies; everything sent is kept.</summary>
internal sealed class ScriptedTransport(Func<DhcpPacket, IEnumerable<DhcpPacket>> server) : IDhcpTransport
{
    public static readonly byte[] ServerMac = [0x0a, 0, 0, 0, 0, 1];

    private readonly Queue<DhcpPacket> _replies = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public List<(DhcpPacket Packet, IPAddress Source, IPAddress Destination, byte[] Mac, TimeSpan At)> Sent { get; } = [];

    public int Receives { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Send(DhcpPacket packet, IPAddress source, IPAddress destination, byte[] destinationMac)
    {
        // Through the wire form, so what is checked is what would go out.
        var sent = DhcpPacket.Decode(packet.Encode())!;
        Sent.Add((sent, source, destination, destinationMac, _clock.Elapsed));
        foreach (var reply in server(sent))
        {
            _replies.Enqueue(DhcpPacket.Decode(reply.Encode())!);
        }
    }

    public (DhcpPacket Packet, byte[] Mac)? Receive(TimeSpan timeout)
    {
        Receives++;
        if (_replies.TryDequeue(out var reply))
        {
            return (reply, ServerMac);
        }

        Thread.Sleep(timeout);
        return null;
    }

    public void Dispose()
    {
    }
}

public sealed class DhcpClientTests
{
    private static readonly byte[] Mac = [0x02, 0, 0, 0, 0, 0x42];
    private static readonly IPAddress ServerId = IPAddress.Parse("10.0.0.1");
    private static readonly TimeSpan Tiny = TimeSpan.FromMilliseconds(30);

    private static LeaseConfig Config(string ipam = "") =>
        LeaseConfig.Parse(Encoding.UTF8.GetBytes($$$"""{"name":"net1","ipam":{"type":"dhcp"{{{ipam}}}}}"""), "");

    private static DhcpClient Client(IDhcpTransport transport, LeaseConfig? config = null, bool broadcast = false, TimeSpan? timeout = null) =>
        new(transport, Mac, "ctr/net1/eth0", config ?? Config(), timeout ?? Tiny, broadcast) { NewTransactionId = () => 0x11223344 };

    private static DhcpPacket Reply(DhcpPacket to, DhcpMessageType type, string yourIp = "10.0.0.50", uint? xid = null, byte[]? chaddr = null)
    {
        var reply = new DhcpPacket
        {
            Op = 2,
            TransactionId = xid ?? to.TransactionId,
            YourIp = IPAddress.Parse(yourIp),
            ClientHardwareAddress = chaddr ?? to.ClientHardwareAddress,
        };
        reply.SetOption(DhcpOption.MessageType, [(byte)type]);
        reply.SetOption(DhcpOption.ServerId, ServerId.GetAddressBytes());
        if (type == DhcpMessageType.Ack)
        {
            reply.SetOption(DhcpOption.SubnetMask, [255, 255, 255, 0]);
            reply.SetOption(DhcpOption.LeaseTime, [0, 0, 0x0e, 0x10]);
        }

        return reply;
    }

    /// <summary>A well-behaved server: OFFER for DISCOVER, ACK for REQUEST.</summary>
    private static IEnumerable<DhcpPacket> Server(DhcpPacket request) => request.MessageType switch
    {
        DhcpMessageType.Discover => [Reply(request, DhcpMessageType.Offer)],
        DhcpMessageType.Request => [Reply(request, DhcpMessageType.Ack, yourIp: request.ClientIp.Equals(IPAddress.Any) ? "10.0.0.50" : request.ClientIp.ToString())],
        _ => [],
    };

    private static AckedLease Lease()
    {
        var transport = new ScriptedTransport(Server);
        return Client(transport).Acquire(CancellationToken.None);
    }

    [Fact]
    public void Discover_offer_request_ack_gives_the_lease()
    {
        var transport = new ScriptedTransport(Server);
        var lease = Client(transport).Acquire(CancellationToken.None);

        Assert.Equal(IPAddress.Parse("10.0.0.50"), lease.Address);
        Assert.Equal(ServerId, lease.Server);
        Assert.Equal(ScriptedTransport.ServerMac, lease.ServerMac);
        Assert.Equal(TimeSpan.FromHours(1), lease.Timeline.LeaseTime);
        Assert.Equal([DhcpMessageType.Discover, DhcpMessageType.Request], transport.Sent.Select(s => s.Packet.MessageType));
    }

    [Fact]
    public void The_discover_is_broadcast_from_nowhere_with_the_clients_options()
    {
        var transport = new ScriptedTransport(Server);
        Client(transport, Config(""","provide":[{"option":"host-name","value":"pod-1"}],"request":[{"option":"121"}]""")).Acquire(CancellationToken.None);
        var (discover, source, destination, mac, _) = transport.Sent[0];

        Assert.Equal((IPAddress.Any, IPAddress.Broadcast), (source, destination));
        Assert.Empty(mac);
        Assert.Equal(((byte)1, 0x11223344u, (ushort)0), (discover.Op, discover.TransactionId, discover.Flags));
        Assert.Equal(Mac, discover.ClientHardwareAddress);

        // Option 61 is type 0 (not a hardware address) then the generated id, RFC 2132 section 9.14.
        Assert.Equal([0, .. "ctr/net1/eth0"u8.ToArray()], discover.Option(DhcpOption.ClientId)!);
        Assert.Equal([0x05, 0xdc], discover.Option(DhcpOption.MaxMessageSize)!);
        Assert.Equal([121, DhcpOption.Router, DhcpOption.SubnetMask], discover.Option(DhcpOption.ParameterRequestList)!);
        Assert.Equal("pod-1"u8.ToArray(), discover.Option(DhcpOption.HostName)!);
        Assert.Null(discover.Option(DhcpOption.RequestedIp));
    }

    [Fact]
    public void The_request_names_the_offered_address_and_the_offering_server()
    {
        var transport = new ScriptedTransport(Server);
        Client(transport).Acquire(CancellationToken.None);
        var (request, source, destination, _, _) = transport.Sent[1];

        Assert.Equal((IPAddress.Any, IPAddress.Broadcast), (source, destination));
        Assert.Equal(0x11223344u, request.TransactionId);
        Assert.Equal(IPAddress.Parse("10.0.0.50"), request.AddressOption(DhcpOption.RequestedIp));
        Assert.Equal(ServerId, request.AddressOption(DhcpOption.ServerId));
        Assert.Equal(IPAddress.Any, request.ClientIp);
    }

    [Fact]
    public void The_broadcast_flag_is_set_when_asked_for()
    {
        var transport = new ScriptedTransport(Server);
        Client(transport, broadcast: true).Acquire(CancellationToken.None);
        Assert.All(transport.Sent, s => Assert.Equal(DhcpPacket.BroadcastFlag, s.Packet.Flags));
    }

    [Fact]
    public void A_provided_client_identifier_replaces_the_generated_one()
    {
        var transport = new ScriptedTransport(Server);
        Client(transport, Config(""","provide":[{"option":"dhcp-client-identifier","value":"custom-id"}]""")).Acquire(CancellationToken.None);
        Assert.All(transport.Sent, s => Assert.Equal("custom-id"u8.ToArray(), s.Packet.Option(DhcpOption.ClientId)!));
        Assert.All(transport.Sent, s => Assert.Single(s.Packet.Options, o => o.Code == DhcpOption.ClientId));
    }

    [Fact]
    public void A_nak_is_an_error_carrying_the_servers_message()
    {
        var transport = new ScriptedTransport(request =>
        {
            if (request.MessageType == DhcpMessageType.Discover)
            {
                return [Reply(request, DhcpMessageType.Offer)];
            }

            var nak = Reply(request, DhcpMessageType.Nak);
            nak.SetOption(56, "address in use"u8.ToArray());
            return [nak];
        });
        var error = Assert.Throws<IOException>(() => Client(transport).Acquire(CancellationToken.None));
        Assert.Equal("got DHCPNAK: address in use", error.Message);
    }

    [Fact]
    public void Silence_is_a_timeout_after_three_sends_with_doubling_waits()
    {
        var transport = new ScriptedTransport(_ => []);
        var error = Assert.Throws<TimeoutException>(() => Client(transport).Acquire(CancellationToken.None));
        var end = transport.Elapsed;

        Assert.Equal("timed out while listening for replies", error.Message);
        Assert.Equal(3, transport.Sent.Count);
        Assert.All(transport.Sent, s => Assert.Equal(DhcpMessageType.Discover, s.Packet.MessageType));

        // Each send waits at least its share: 30 ms, then 60, then 120 (only lower bounds: a loaded machine is slow).
        var at = transport.Sent.Select(s => s.At).Append(end).ToArray();
        Assert.True(at[1] - at[0] >= Tiny, $"first wait {at[1] - at[0]}");
        Assert.True(at[2] - at[1] >= Tiny * 2, $"second wait {at[2] - at[1]}");
        Assert.True(at[3] - at[2] >= Tiny * 4, $"third wait {at[3] - at[2]}");
    }

    [Fact]
    public void A_late_answer_to_a_resent_message_is_taken()
    {
        var discovers = 0;
        var transport = new ScriptedTransport(request => request.MessageType == DhcpMessageType.Discover && ++discovers < 2 ? [] : Server(request));
        var lease = Client(transport).Acquire(CancellationToken.None);
        Assert.Equal(IPAddress.Parse("10.0.0.50"), lease.Address);
        Assert.Equal([DhcpMessageType.Discover, DhcpMessageType.Discover, DhcpMessageType.Request], transport.Sent.Select(s => s.Packet.MessageType));
        Assert.All(transport.Sent, s => Assert.Equal(0x11223344u, s.Packet.TransactionId));
    }

    [Fact]
    public void Replies_for_another_transaction_another_client_or_of_the_wrong_type_are_ignored()
    {
        var transport = new ScriptedTransport(request => request.MessageType switch
        {
            DhcpMessageType.Discover =>
            [
                Reply(request, DhcpMessageType.Offer, "10.0.0.97", xid: 0x99),
                Reply(request, DhcpMessageType.Offer, "10.0.0.98", chaddr: [0x02, 0, 0, 0, 0, 0x99]),
                Reply(request, DhcpMessageType.Ack, "10.0.0.99"),
                Reply(request, DhcpMessageType.Offer, "10.0.0.51"),
            ],
            _ => Server(request),
        });
        Client(transport, timeout: TimeSpan.FromSeconds(5)).Acquire(CancellationToken.None);

        Assert.Equal(2, transport.Sent.Count);
        Assert.Equal(IPAddress.Parse("10.0.0.51"), transport.Sent[1].Packet.AddressOption(DhcpOption.RequestedIp));
    }

    [Fact]
    public void An_offer_without_a_server_identifier_is_refused()
    {
        var transport = new ScriptedTransport(request =>
        {
            var offer = Reply(request, DhcpMessageType.Offer);
            offer.Options.RemoveAll(o => o.Code == DhcpOption.ServerId);
            return [offer];
        });
        var error = Assert.Throws<IOException>(() => Client(transport).Acquire(CancellationToken.None));
        Assert.Equal("DHCPOFFER without a server identifier", error.Message);
    }

    [Fact]
    public void A_renewal_is_unicast_from_the_leased_address_to_the_server()
    {
        var lease = Lease();
        var transport = new ScriptedTransport(Server);
        var renewed = Client(transport).Renew(lease, CancellationToken.None);
        var (request, source, destination, mac, _) = Assert.Single(transport.Sent);

        Assert.Equal(DhcpMessageType.Request, request.MessageType);
        Assert.Equal((lease.Address, ServerId), (source, destination));
        Assert.Equal(ScriptedTransport.ServerMac, mac);
        Assert.Equal(lease.Address, request.ClientIp);

        // RFC 2131 4.3.2: in RENEWING the client MUST NOT fill in the server identifier or requested address.
        Assert.Null(request.Option(DhcpOption.ServerId));
        Assert.Null(request.Option(DhcpOption.RequestedIp));
        Assert.Equal(lease.Address, renewed.Address);
        Assert.True(renewed.Acquired >= lease.Acquired);
    }

    [Fact]
    public void A_nak_to_a_renewal_is_an_error()
    {
        var lease = Lease();
        var transport = new ScriptedTransport(request => [Reply(request, DhcpMessageType.Nak)]);
        var error = Assert.Throws<IOException>(() => Client(transport).Renew(lease, CancellationToken.None));
        Assert.Equal("got DHCPNAK", error.Message);
    }

    [Fact]
    public void A_release_is_sent_once_to_the_server_with_its_id_and_ours()
    {
        var lease = Lease();
        var transport = new ScriptedTransport(_ => []);
        Client(transport).Release(lease);
        var (release, source, destination, mac, _) = Assert.Single(transport.Sent);

        Assert.Equal(0, transport.Receives);
        Assert.Equal(DhcpMessageType.Release, release.MessageType);
        Assert.Equal((lease.Address, ServerId), (source, destination));
        Assert.Equal(ScriptedTransport.ServerMac, mac);
        Assert.Equal(lease.Address, release.ClientIp);
        Assert.Equal(Mac, release.ClientHardwareAddress);
        Assert.Equal(ServerId, release.AddressOption(DhcpOption.ServerId));
        Assert.Equal([0, .. "ctr/net1/eth0"u8.ToArray()], release.Option(DhcpOption.ClientId)!);
    }

    [Fact]
    public void A_release_for_a_lease_without_a_server_id_is_broadcast()
    {
        var ack = new DhcpPacket { Op = 2, YourIp = IPAddress.Parse("10.0.0.50") };
        var transport = new ScriptedTransport(_ => []);
        Client(transport).Release(new AckedLease(ack, [], DateTimeOffset.UtcNow));
        var (release, _, destination, _, _) = Assert.Single(transport.Sent);
        Assert.Equal(IPAddress.Broadcast, destination);
        Assert.Null(release.Option(DhcpOption.ServerId));
    }

    [Fact]
    public void A_cancelled_acquire_sends_nothing()
    {
        var transport = new ScriptedTransport(Server);
        Assert.Throws<OperationCanceledException>(() => Client(transport).Acquire(new CancellationToken(canceled: true)));
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public void Each_exchange_gets_a_fresh_transaction_id()
    {
        var next = 0u;
        var transport = new ScriptedTransport(Server);
        var client = new DhcpClient(transport, Mac, "id", Config(), Tiny, false) { NewTransactionId = () => ++next };
        var lease = client.Acquire(CancellationToken.None);
        client.Renew(lease, CancellationToken.None);
        Assert.Equal([1u, 1u, 2u], transport.Sent.Select(s => s.Packet.TransactionId));
    }
}
