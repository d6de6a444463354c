using System.Net.Sockets;
using System.Text;
using LibCni.TestKit;
using Xunit;

namespace Dhcp.Tests;

/// <summary>The published daemon as a service: what arrives on its socket cannot take it down.</summary>
[Trait("Tier", "Binary")]
public sealed class DhcpDaemonTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-dhcpd");

    public void Dispose() => _bin.Dispose();

    [Fact]
    public void Garbage_on_the_socket_drops_that_connection_and_the_daemon_goes_on_serving()
    {
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var junk = new byte[4096];
        new Random(25).NextBytes(junk);

        Assert.StartsWith("HTTP/1.0 200 Connected to Go RPC", Exchange(daemon.SocketPath, [.. "CONNECT /_goRPC_ HTTP/1.0\n\n"u8, .. junk]), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.0 405", Exchange(daemon.SocketPath, "GET / HTTP/1.0\r\n\r\n"u8.ToArray()), StringComparison.Ordinal);
        Exchange(daemon.SocketPath, junk);

        // Still alive and answering: a well-formed CONNECT is accepted.
        Assert.StartsWith("HTTP/1.0 200 Connected to Go RPC", Exchange(daemon.SocketPath, "CONNECT /_goRPC_ HTTP/1.0\n\n"u8.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", daemon.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigterm_exits_zero_and_removes_the_socket_and_pidfile_every_time()
    {
        var pidfile = Path.Combine(_bin.DataDir, "dhcp.pid");
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir, ["-pidfile", pidfile]);
        for (var round = 0; round < 5; round++)
        {
            if (round > 0)
            {
                daemon.Start();
            }

            Assert.Equal(daemon.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(pidfile));
            Assert.Equal(0, daemon.Terminate());
            Assert.False(File.Exists(daemon.SocketPath), $"round {round}: the socket outlived the daemon");
            Assert.False(File.Exists(pidfile), $"round {round}: the pidfile outlived the daemon");
        }
    }

    [Fact]
    public void Del_of_an_attachment_the_daemon_never_leased_succeeds()
    {
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var ctr = _bin.Container();
        var conf = $$$"""{"cniVersion":"1.0.0","name":"dhcpnet","type":"dhcp","ipam":{"type":"dhcp","daemonSocketPath":"{{{daemon.SocketPath}}}"}}""";

        BinaryHost.Ok(_bin.Exec("dhcp", conf, BinaryHost.Environment("DEL", "never-added", ctr.Path)));
        BinaryHost.Ok(_bin.Exec("dhcp", conf, BinaryHost.Environment("DEL", "never-added", "")));
    }

    private static string Exchange(string path, byte[] request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 5000;
        try
        {
            socket.Send(request);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The daemon may close on junk before reading it all.
        }

        var reply = new List<byte>();
        var buffer = new byte[1024];
        try
        {
            for (int n; (n = socket.Receive(buffer)) > 0;)
            {
                reply.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
        }

        return Encoding.ASCII.GetString([.. reply]);
    }
}
