using System.Net.Sockets;
using CniPlugins.Dhcp.Gob;
using CniPlugins.Dhcp.Rpc;

namespace Dhcp.Tests;

/// <summary>
/// A scripted daemon on a unix socket in a temp dir: takes one connection, answers the CONNECT with
/// <paramref name="handshake"/>, then for each call reads (Request, args) and writes the next canned reply
/// (bytes captured from Go); an empty reply closes the connection instead. Keeps the raw bytes the client sent
/// after the handshake and the decoded calls.
/// </summary>
internal sealed class FakeDaemon : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Thread _thread;
    private readonly MemoryStream _received = new();
    private Exception? _failure;

    public FakeDaemon(string handshake, params byte[][] replies)
    {
        Path = _dir.Combine("d.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(1);
        _thread = new Thread(() => Serve(handshake, replies)) { IsBackground = true };
        _thread.Start();
    }

    public FakeDaemon(params byte[][] replies)
        : this($"HTTP/1.0 {RpcHttp.Connected}\n\n", replies)
    {
    }

    public string Path { get; }

    public string Head { get; private set; } = "";

    public List<(GobStruct Request, GobStruct Args)> Calls { get; } = [];

    /// <summary>Everything the client sent after its CONNECT, once it has closed the connection.</summary>
    public byte[] Received
    {
        get
        {
            Finish();
            return _received.ToArray();
        }
    }

    public void Finish()
    {
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("the fake daemon's client never closed");
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException("fake daemon failed", _failure);
        }
    }

    private void Serve(string handshake, byte[][] replies)
    {
        try
        {
            using var connection = _listener.Accept();
            connection.ReceiveTimeout = 10_000;
            using var stream = new NetworkStream(connection);
            Head = RpcHttp.ReadHead(stream);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(handshake));

            // Unbuffered on purpose: the decoder then reads exactly the client's messages, which the tee keeps.
            var decoder = new GobDecoder(new TeeStream(stream, _received));
            foreach (var reply in replies)
            {
                if (decoder.Decode() is not GobStruct request || decoder.Decode() is not GobStruct args)
                {
                    return;
                }

                Calls.Add((request, args));
                if (reply.Length == 0)
                {
                    return;
                }

                stream.Write(reply);
            }

            // Drain whatever else comes until the client closes.
            while (decoder.Decode() is not null)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _failure = e;
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _dir.Dispose();
    }

    private sealed class TeeStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            copy.Write(buffer, offset, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
