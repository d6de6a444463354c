using System.Runtime.InteropServices;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// A standard stream (fd 0, 1 or 2) over read(2) and write(2). Console's streams start .NET's terminal and
/// signal handling at their first use (a thread, a pipe, three signal handlers) in every plugin run; this one
/// keeps their error rules: a write to a closed pipe (EPIPE) is dropped, EAGAIN waits in poll(2), any other
/// error throws. The fd is not closed on dispose.
/// </summary>
public sealed class StandardStream : Stream
{
    private readonly int _fd;
    private readonly bool _writable;

    internal StandardStream(int fd, bool writable)
    {
        _fd = fd;
        _writable = writable;
    }

    public static StandardStream Input { get; } = new(0, writable: false);

    public static StandardStream Output { get; } = new(1, writable: true);

    public static StandardStream Error { get; } = new(2, writable: true);

    public override bool CanRead => !_writable;

    public override bool CanWrite => _writable;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override unsafe int Read(Span<byte> buffer)
    {
        if (_writable)
        {
            throw new NotSupportedException();
        }

        fixed (byte* start = buffer)
        {
            var at = start;
            var length = (nuint)buffer.Length;
            while (true)
            {
                var read = Libc.RetryOnEintr(() => Libc.Read(_fd, at, length));
                if (read >= 0)
                {
                    return (int)read;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EAGAIN)
                {
                    throw new ErrnoException(errno, $"read fd {_fd}");
                }

                WaitFor(Libc.POLLIN);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_writable)
        {
            throw new NotSupportedException();
        }

        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var at = start + written;
                var length = (nuint)(buffer.Length - written);
                var count = Libc.RetryOnEintr(() => Libc.Write(_fd, at, length));
                if (count >= 0)
                {
                    written += (int)count;
                    continue;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EPIPE)
                {
                    // The reader is gone (a runtime that timed out, a closed pipe): nobody is left to tell.
                    return;
                }

                if (errno != Errno.EAGAIN)
                {
                    throw new ErrnoException(errno, $"write fd {_fd}");
                }

                WaitFor(Libc.POLLOUT);
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Leaves the fd open: the process's standard streams outlive any one reader or writer.
    protected override void Dispose(bool disposing)
    {
    }

    private unsafe void WaitFor(short events)
    {
        var poll = new Libc.PollFd { Fd = _fd, Events = events };
        var polls = &poll;
        Libc.RetryOnEintr(() => Libc.Poll(polls, 1, -1));
    }
}
