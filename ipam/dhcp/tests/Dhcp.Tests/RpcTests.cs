using System.Net;
using System.Net.Sockets;
using System.Text;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dhcp.Gob;
using CniPlugins.Dhcp.Rpc;
using LibCni.Types;
using Xunit;

namespace Dhcp.Tests;

/// <summary>The mapping of our types to the reference's, and the client's side of net/rpc against canned Go replies.</summary>
public sealed class RpcTests
{
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    private static GobStruct DecodeReply(byte[] reply)
    {
        var decoder = new GobDecoder(new MemoryStream(reply));
        Assert.IsType<GobStruct>(decoder.Decode());
        return Assert.IsType<GobStruct>(decoder.Decode());
    }

    [Fact]
    public void A_go_result_decodes_field_for_field()
    {
        var result = RpcTypes.DecodeResult(DecodeReply(GoGolden.GoServerAllocateReply));

        var iface = Assert.Single(result.Interfaces!);
        Assert.Equal(("eth0", "0a:58:0a:01:02:03", 1500, "/var/run/netns/x"), (iface.Name, iface.Mac, iface.Mtu, iface.Sandbox));
        Assert.Null(iface.SocketPath);

        Assert.Equal(2, result.Ips!.Count);
        Assert.Equal((2, "10.1.2.3/24", "10.1.2.1"), (result.Ips[0].Interface, result.Ips[0].Address.ToString(), result.Ips[0].Gateway?.ToString()));
        Assert.Equal("fd00::5/64", result.Ips[1].Address.ToString());
        Assert.Null(result.Ips[1].Interface);
        Assert.Null(result.Ips[1].Gateway);

        var (def, subnet) = (result.Routes![0], result.Routes[1]);
        Assert.Equal(("0.0.0.0/0", "10.1.2.1", 10, null, null), (def.Dst.ToString(), def.Gw?.ToString(), def.Priority, def.Table, def.Scope));
        Assert.Equal(("192.168.7.0/24", 1400, 1360, 100, 253), (subnet.Dst.ToString(), subnet.Mtu, subnet.AdvMss, subnet.Table, subnet.Scope));
        Assert.Null(subnet.Gw);

        Assert.Equal(["10.1.2.53"], result.Dns!.Nameservers!);
        Assert.Equal("example.com", result.Dns.Domain);
        Assert.Equal(["a.example", "b.example"], result.Dns.Search!);
        Assert.Equal(["ndots:2"], result.Dns.Options!);
    }

    [Fact]
    public void Sixteen_byte_v4_addresses_from_go_come_back_as_v4()
    {
        var result = RpcTypes.DecodeResult(DecodeReply(GoGolden.GoServerDaemonStyleReply));
        var ip = Assert.Single(result.Ips!);
        Assert.Equal("10.9.0.7/16", ip.Address.ToString());
        Assert.Equal(AddressFamily.InterNetwork, ip.Address.Address.AddressFamily);
        Assert.Equal(IPAddress.Parse("10.9.0.1"), ip.Gateway);
        Assert.Equal("0.0.0.0/0", Assert.Single(result.Routes!).Dst.ToString());

        // Nothing sent for them: they stay out of the printed result, as the reference's omitempty does.
        Assert.Null(result.Interfaces);
        Assert.Null(result.Dns);
    }

    [Fact]
    public void A_v4_address_with_a_sixteen_byte_mask_counts_only_the_last_32_bits()
    {
        var mask = Enumerable.Repeat((byte)0xff, 15).Append((byte)0xf0).ToArray();
        var address = new GobStruct(new()
        {
            ["IP"] = new GobBytes(IPAddress.Parse("10.0.0.9").MapToIPv6().GetAddressBytes()),
            ["Mask"] = new GobBytes(mask),
        });
        var value = new GobStruct(new() { ["IPs"] = new GobList([new GobStruct(new() { ["Address"] = address })]) });
        Assert.Equal("10.0.0.9/28", Assert.Single(RpcTypes.DecodeResult(value).Ips!).Address.ToString());
    }

    [Fact]
    public void A_result_survives_our_encoding_except_pointers_to_zero_which_gob_cannot_carry()
    {
        var sample = RpcSamples.Result();
        sample.Ips![0].Interface = 0;
        sample.Routes![1].Table = 0;
        var bytes = new List<byte>();
        new GobEncoder().Encode(bytes, RpcTypes.Result, RpcTypes.EncodeResult(sample));
        var result = RpcTypes.DecodeResult(Assert.IsType<GobStruct>(new GobDecoder(new MemoryStream([.. bytes])).Decode()));

        Assert.Null(result.Ips![0].Interface);
        Assert.Null(result.Routes![1].Table);
        Assert.Equal(253, result.Routes[1].Scope);
        Assert.Equal("10.1.2.3/24", result.Ips[0].Address.ToString());
        Assert.Equal(["a.example", "b.example"], result.Dns!.Search!);
    }

    [Fact]
    public void The_cmd_args_of_a_go_plugin_decode_including_netns_override()
    {
        var decoder = new GobDecoder(new MemoryStream(GoGolden.GoClientFailingCall));
        decoder.Decode();
        var args = RpcTypes.DecodeArgs(Assert.IsType<GobStruct>(decoder.Decode()));
        RpcSamples.AssertArgs(RpcSamples.Args with { ContainerId = "fail", NetnsOverride = "x" }, args);
    }

    [Fact]
    public void The_client_speaks_exactly_as_the_go_plugin_and_reads_the_go_daemons_replies()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerAllocateReply, GoGolden.GoServerReleaseReply);
        using (var client = RpcClient.Dial(daemon.Path))
        {
            var reply = client.Call(RpcTypes.AllocateMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args));
            Assert.Equal("10.1.2.3/24", RpcTypes.DecodeResult(reply).Ips![0].Address.ToString());
            var released = client.Call(RpcTypes.ReleaseMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args));
            Assert.Empty(released.Fields);
        }

        Assert.Equal(Hex([.. GoGolden.GoClientAllocateCall, .. GoGolden.GoClientReleaseCall]), Hex(daemon.Received));
        Assert.Equal("CONNECT /_goRPC_ HTTP/1.0\n\n", daemon.Head);
    }

    [Fact]
    public void A_daemon_error_is_a_server_exception_with_its_text()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerErrorReply);
        using var client = RpcClient.Dial(daemon.Path);
        var error = Assert.Throws<RpcServerException>(() => client.Call(RpcTypes.AllocateMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args)));
        Assert.Equal("error looking up \"eth9\": Link not found", error.Message);
    }

    [Fact]
    public void A_refused_connect_is_an_io_error_naming_the_status()
    {
        using var daemon = new FakeDaemon("HTTP/1.0 404 Not Found\r\n\r\n");
        var error = Assert.Throws<IOException>(() => RpcClient.Dial(daemon.Path));
        Assert.Equal("unexpected HTTP response: HTTP/1.0 404 Not Found", error.Message);
    }

    [Fact]
    public void A_reply_for_another_call_is_refused()
    {
        var encoder = new GobEncoder();
        var reply = new List<byte>();
        encoder.Encode(reply, RpcTypes.Response, RpcTypes.Reply(RpcTypes.ReleaseMethod, 5, ""));
        encoder.Encode(reply, RpcTypes.Empty, new GobStruct([]));
        using var daemon = new FakeDaemon(reply.ToArray());
        using var client = RpcClient.Dial(daemon.Path);
        var error = Assert.Throws<IOException>(() => client.Call(RpcTypes.ReleaseMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args)));
        Assert.Equal("response for call 5, expected 0", error.Message);
    }

    [Fact]
    public void A_daemon_that_hangs_up_mid_call_is_an_io_error()
    {
        using var daemon = new FakeDaemon(Array.Empty<byte>());
        using var client = RpcClient.Dial(daemon.Path);
        var error = Assert.Throws<IOException>(() => client.Call(RpcTypes.ReleaseMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args)));
        Assert.Equal("connection closed before the response", error.Message);
    }

    [Fact]
    public void The_http_head_is_read_no_further_than_the_blank_line()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("HTTP/1.0 200 Connected to Go RPC\n\nGOB"));
        Assert.Equal("HTTP/1.0 200 Connected to Go RPC\n\n", RpcHttp.ReadHead(stream));
        Assert.Equal('G', stream.ReadByte());
    }

    [Fact]
    public void A_head_that_never_ends_is_refused()
    {
        Assert.Throws<EndOfStreamException>(() => RpcHttp.ReadHead(new MemoryStream("HTTP/1.0 200\n"u8.ToArray())));
        Assert.Throws<IOException>(() => RpcHttp.ReadHead(new MemoryStream(new byte[9000])));
    }
}

/// <summary>The daemon's side of net/rpc, fed the Go plugin's captured bytes over a unix socket.</summary>
public sealed class RpcServerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly DhcpService _service = new(new DaemonOptions(), new LeaseStore(""));

    public RpcServerTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(4);
        new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var connection = _listener.Accept();
                    new Thread(() => RpcServer.Serve(connection, _service)) { IsBackground = true }.Start();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }) { IsBackground = true }.Start();
    }

    private string SocketPath => _dir.Combine("d.sock");

    public void Dispose()
    {
        _listener.Dispose();
        _dir.Dispose();
    }

    private Socket Connect(string head = "CONNECT /_goRPC_ HTTP/1.0\n\n")
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        socket.Send(Encoding.ASCII.GetBytes(head));
        return socket;
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var stream = new NetworkStream(socket, ownsSocket: false);
        stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Sends a Go call after the handshake and returns the handshake answer and as many reply bytes as Go sent.</summary>
    private (string Handshake, byte[] Reply) Exchange(byte[] call, int replyLength)
    {
        using var socket = Connect();
        var handshake = Encoding.ASCII.GetString(ReadExactly(socket, RpcHttp.ConnectedResponse.Length));
        socket.Send(call);
        return (handshake, ReadExactly(socket, replyLength));
    }

    [Fact]
    public void A_release_is_answered_with_the_bytes_a_fresh_go_daemon_sends()
    {
        var (handshake, reply) = Exchange(GoGolden.GoClientReleaseOnlyCall, GoGolden.GoServerReleaseOnlyReply.Length);
        Assert.Equal("HTTP/1.0 200 Connected to Go RPC\n\n", handshake);
        Assert.Equal(Convert.ToHexString(GoGolden.GoServerReleaseOnlyReply), Convert.ToHexString(reply));
    }

    [Theory]
    [InlineData("method")]
    [InlineData("service")]
    [InlineData("ill-formed")]
    public void An_unknown_method_gets_go_net_rpcs_error_byte_for_byte(string kind)
    {
        var (call, expected) = kind switch
        {
            "method" => (GoGolden.GoClientUnknownMethodCall, GoGolden.GoServerUnknownMethodReply),
            "service" => (GoGolden.GoClientUnknownServiceCall, GoGolden.GoServerUnknownServiceReply),
            _ => (GoGolden.GoClientIllFormedCall, GoGolden.GoServerIllFormedReply),
        };
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Exchange(call, expected.Length).Reply));
    }

    [Fact]
    public void Calls_on_one_connection_are_answered_in_turn_with_types_defined_once()
    {
        using var client = RpcClient.Dial(SocketPath);
        var args = RpcTypes.EncodeArgs(new AllocateArgs("c", "", "eth0", "", "", """{"name":"n"}"""u8.ToArray()));
        Assert.Empty(client.Call(RpcTypes.ReleaseMethod, RpcTypes.CmdArgs, args).Fields);
        Assert.Empty(client.Call(RpcTypes.ReleaseMethod, RpcTypes.CmdArgs, args).Fields);
    }

    [Fact]
    public void A_netconf_that_does_not_parse_fails_the_allocate_with_the_reason()
    {
        using var client = RpcClient.Dial(SocketPath);
        var args = RpcTypes.EncodeArgs(new AllocateArgs("c", "/nonexistent", "eth0", "", "", "{"u8.ToArray()));
        var error = Assert.Throws<RpcServerException>(() => client.Call(RpcTypes.AllocateMethod, RpcTypes.CmdArgs, args));
        Assert.StartsWith("error parsing netconf: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_provide_option_that_does_not_parse_fails_the_allocate_before_any_dhcp()
    {
        using var client = RpcClient.Dial(SocketPath);
        var conf = """{"name":"n","ipam":{"type":"dhcp","provide":[{"option":"bogus","value":"x"}]}}"""u8.ToArray();
        var error = Assert.Throws<RpcServerException>(() =>
            client.Call(RpcTypes.AllocateMethod, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(new AllocateArgs("c", "/nonexistent", "eth0", "", "", conf))));
        Assert.Equal("Can not parse option \"bogus\": Can not parse option: strconv.ParseUint: parsing \"bogus\": invalid syntax", error.Message);
    }

    [Fact]
    public void A_request_other_than_connect_is_turned_away()
    {
        using var socket = Connect("GET /_goRPC_ HTTP/1.0\r\n\r\n");
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var text = reader.ReadToEnd();
        Assert.StartsWith("HTTP/1.0 405 Method Not Allowed\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n405 must CONNECT\n", text, StringComparison.Ordinal);
    }
}
