using System.Net.Sockets;
using System.Text;
using CniPlugins.Dhcp.Gob;

namespace CniPlugins.Dhcp.Rpc;

/// <summary>The daemon answered a call with an error string (net/rpc's ServerError).</summary>
public sealed class RpcServerException(string message) : Exception(message);

/// <summary>
/// Go net/rpc over HTTP on a unix socket, as rpc.DialHTTP and rpc.HandleHTTP speak it: an HTTP/1.0 CONNECT to
/// /_goRPC_, the fixed "200 Connected to Go RPC" answer, then gob both ways on the raw stream.
/// </summary>
public static class RpcHttp
{
    public const string Path = "/_goRPC_";
    public const string Connected = "200 Connected to Go RPC";

    public static byte[] ConnectRequest => Encoding.ASCII.GetBytes($"CONNECT {Path} HTTP/1.0\n\n");

    public static byte[] ConnectedResponse => Encoding.ASCII.GetBytes($"HTTP/1.0 {Connected}\n\n");

    /// <summary>Reads an HTTP head byte by byte (nothing past it may be consumed: gob follows) up to the blank line.</summary>
    public static string ReadHead(Stream stream)
    {
        var head = new StringBuilder();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("connection closed during the HTTP handshake");
            }

            head.Append((char)b);
            if (head.Length > 8192)
            {
                throw new IOException("HTTP head too long");
            }

            var text = head.ToString();
            if (text.EndsWith("\n\n", StringComparison.Ordinal) || text.EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }
}

/// <summary>The plugin's side: one connection, calls made one after another.</summary>
public sealed class RpcClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly GobEncoder _encoder = new();
    private readonly GobDecoder _decoder;
    private ulong _seq;

    private RpcClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _decoder = new GobDecoder(new BufferedStream(_stream));
    }

    /// <summary>Connects and completes the CONNECT handshake.</summary>
    public static RpcClient Dial(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            var client = new RpcClient(socket);
            client._stream.Write(RpcHttp.ConnectRequest);
            var head = RpcHttp.ReadHead(client._stream);
            var status = head.Split('\n')[0].TrimEnd('\r');
            if (status != $"HTTP/1.0 {RpcHttp.Connected}")
            {
                throw new IOException($"unexpected HTTP response: {status}");
            }

            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one call and returns the reply value; a daemon-side error is <see cref="RpcServerException"/>.</summary>
    public GobStruct Call(string method, GobStructType argsType, GobStruct args)
    {
        var seq = _seq++;
        var output = new List<byte>();
        _encoder.Encode(output, RpcTypes.Request, RpcTypes.Call(method, seq));
        _encoder.Encode(output, argsType, args);
        _stream.Write(output.ToArray());

        var response = _decoder.Decode() as GobStruct ?? throw new IOException("connection closed before the response");
        var body = _decoder.Decode() as GobStruct ?? throw new IOException("connection closed before the response body");
        if ((ulong)response.Int("Seq") != seq)
        {
            throw new IOException($"response for call {response.Int("Seq")}, expected {seq}");
        }

        return response.String("Error") is { Length: > 0 } error ? throw new RpcServerException(error) : body;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
