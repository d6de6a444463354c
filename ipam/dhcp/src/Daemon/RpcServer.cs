using System.Net.Sockets;
using CniPlugins.Dhcp.Gob;
using CniPlugins.Dhcp.Rpc;
using LibCni.Types;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// net/rpc's HTTP server side on one accepted connection: answer the CONNECT, then read (Request, args) pairs and
/// write (Response, reply) pairs until the peer closes. Errors travel in Response.Error with an empty body.
/// </summary>
public static class RpcServer
{
    public static void Serve(Socket connection, DhcpService service)
    {
        using (connection)
        using (var stream = new NetworkStream(connection, ownsSocket: false))
        {
            try
            {
                var head = RpcHttp.ReadHead(stream);
                var requestLine = head.Split('\n')[0].TrimEnd('\r').Split(' ');
                if (requestLine.Length < 2 || requestLine[0] != "CONNECT")
                {
                    stream.Write("HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n405 must CONNECT\n"u8);
                    return;
                }

                stream.Write(RpcHttp.ConnectedResponse);
                var decoder = new GobDecoder(new BufferedStream(stream));
                var encoder = new GobEncoder();
                while (decoder.Decode() is GobStruct request)
                {
                    var body = decoder.Decode() as GobStruct ?? throw new IOException("request without a body");
                    var method = request.String("ServiceMethod");
                    var seq = (ulong)request.Int("Seq");
                    var output = new List<byte>();
                    var (reply, type, error) = Dispatch(service, method, body);
                    encoder.Encode(output, RpcTypes.Response, RpcTypes.Reply(method, seq, error));
                    encoder.Encode(output, type, reply);
                    stream.Write(output.ToArray());
                }
            }
            catch (Exception e) when (e is IOException or SocketException or GobException)
            {
                DaemonLog.Write($"rpc: {e.Message}");
            }
            catch (Exception e)
            {
                // A connection's thread must not take the daemon, and every other lease, down with it.
                DaemonLog.Write($"rpc: connection dropped: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>net/rpc's texts: split at the last dot, the service is "DHCP" and only its two methods exist.</summary>
    private static string UnknownMethod(string method) => method.LastIndexOf('.') is var dot and >= 0
        ? method[..dot] == "DHCP" ? $"rpc: can't find method {method}" : $"rpc: can't find service {method}"
        : $"rpc: service/method request ill-formed: {method}";

    private static (GobStruct Reply, GobStructType Type, string Error) Dispatch(DhcpService service, string method, GobStruct body)
    {
        var empty = new GobStruct([]);
        try
        {
            switch (method)
            {
                case RpcTypes.AllocateMethod:
                    var result = service.Allocate(RpcTypes.DecodeArgs(body));

                    // The reference leaves cniVersion empty; the plugin keeps its own.
                    result.CniVersion = "";
                    return (RpcTypes.EncodeResult(result), RpcTypes.Result, "");
                case RpcTypes.ReleaseMethod:
                    service.Release(RpcTypes.DecodeArgs(body));
                    return (empty, RpcTypes.Empty, "");
                case RpcTypes.GcMethod:
                    service.Gc(RpcTypes.DecodeArgs(body));
                    return (empty, RpcTypes.Empty, "");
                default:
                    return (empty, RpcTypes.Empty, UnknownMethod(method));
            }
        }
        catch (Exception e) when (e is CniException or IOException or TimeoutException or InvalidOperationException or UnauthorizedAccessException)
        {
            var message = e.Message;
            DaemonLog.Write($"{method}: {message}");
            return (empty, RpcTypes.Empty, message);
        }
    }
}
