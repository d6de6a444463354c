using System.Text;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// A blocking AF_UNIX stream socket with send and receive timeouts, over plain system calls: no
/// System.Net.Sockets, whose first socket starts an epoll thread and its engine in every process that makes one.
/// Failures are <see cref="ErrnoException"/>s (an <see cref="IOException"/>); a timeout is EAGAIN.
/// </summary>
public sealed class UnixStream : IDisposable
{
    private const int SunPathLength = 108;
    private readonly SafeFdHandle _fd;

    private UnixStream(SafeFdHandle fd) => _fd = fd;

    /// <summary>Connects to the socket at <paramref name="path"/>, or to the abstract name when <paramref name="isAbstract"/>.</summary>
    public static unsafe UnixStream Connect(string path, bool isAbstract, TimeSpan timeout)
    {
        var name = Encoding.UTF8.GetBytes(path);
        var offset = isAbstract ? 1 : 0;
        if (name.Length + offset >= SunPathLength)
        {
            throw new IOException($"unix socket path too long: {path}");
        }

        var fd = new SafeFdHandle((int)Libc.Check(Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0), "socket(AF_UNIX)"));
        try
        {
            var limit = new Libc.Timeval { Seconds = (long)timeout.TotalSeconds, Microseconds = timeout.Milliseconds * 1000L };
            Libc.Check(Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, limit, sizeof(Libc.Timeval)), "setsockopt(SO_RCVTIMEO)");
            Libc.Check(Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, limit, sizeof(Libc.Timeval)), "setsockopt(SO_SNDTIMEO)");
            var address = stackalloc byte[2 + SunPathLength];
            *(ushort*)address = Libc.AF_UNIX;
            name.CopyTo(new Span<byte>(address + 2 + offset, name.Length));
            var length = 2 + offset + name.Length + (isAbstract ? 0 : 1);
            Libc.Check(Libc.RetryOnEintr(() => Libc.Connect(fd, address, length)), $"connect({(isAbstract ? "@" : "")}{path})");
            return new UnixStream(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe void Send(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var sent = 0;
            while (sent < data.Length)
            {
                var at = start + sent;
                var left = (nuint)(data.Length - sent);
                sent += (int)Libc.Check(Libc.RetryOnEintr(() => Libc.Send(_fd, at, left, Libc.MSG_NOSIGNAL)), "send");
            }
        }
    }

    /// <summary>Reads what is there (at least one byte); 0 when the peer closed the stream.</summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var at = start;
            var length = (nuint)buffer.Length;
            return (int)Libc.Check(Libc.RetryOnEintr(() => Libc.Recv(_fd, at, length, 0)), "recv");
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; <see cref="EndOfStreamException"/> when the peer closes first.</summary>
    public void ReceiveExactly(Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var read = Receive(buffer);
            if (read == 0)
            {
                throw new EndOfStreamException("the peer closed the connection");
            }

            buffer = buffer[read..];
        }
    }

    public void Dispose() => _fd.Dispose();
}
