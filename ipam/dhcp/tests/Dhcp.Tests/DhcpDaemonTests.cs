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
