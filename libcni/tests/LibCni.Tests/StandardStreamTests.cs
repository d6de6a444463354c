using LibCni.Interop;
using LibCni.Kernel;
using Xunit;

namespace LibCni.Tests;

/// <summary>The plugins' stdin/stdout/stderr stream over a pipe: what Console's streams did, without Console.</summary>
public class StandardStreamTests
{
    private static unsafe (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        Libc.Check(Libc.Pipe2(fds, Libc.O_CLOEXEC), "pipe2");
        return (fds[0], fds[1]);
    }

    [Fact]
    public void Bytes_written_to_one_end_are_read_from_the_other_to_the_end()
    {
        var (r, w) = Pipe();
        try
        {
            var payload = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
            new StandardStream(w, writable: true).Write(payload);
            Libc.Close(w);
            w = -1;
            using var copy = new MemoryStream();
            new StandardStream(r, writable: false).CopyTo(copy);
            Assert.Equal(payload, copy.ToArray());
        }
        finally
        {
            Libc.Close(r);
            if (w >= 0)
            {
                Libc.Close(w);
            }
        }
    }

    [Fact]
    public void A_write_to_a_pipe_nobody_reads_is_dropped_as_console_does()
    {
        var (r, w) = Pipe();
        Libc.Close(r);
        try
        {
            new StandardStream(w, writable: true).Write("{\"cniVersion\":\"1.1.0\"}"u8);
        }
        finally
        {
            Libc.Close(w);
        }
    }

    [Fact]
    public void Any_other_write_error_names_the_fd_and_errno()
    {
        // fd -1: a closed fd's number could be reused by a test running beside this one.
        var error = Assert.Throws<ErrnoException>(() => new StandardStream(-1, writable: true).Write("x"u8));
        Assert.Equal(Errno.EBADF, error.Errno);
        Assert.Contains("write fd -1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directions_are_fixed_and_dispose_leaves_the_fd_open()
    {
        Assert.False(StandardStream.Output.CanRead);
        Assert.True(StandardStream.Output.CanWrite);
        Assert.True(StandardStream.Input.CanRead);
        Assert.Throws<NotSupportedException>(() => StandardStream.Input.Write("x"u8));
        Assert.Throws<NotSupportedException>(() => StandardStream.Error.Read(new byte[1]));

        var (r, w) = Pipe();
        try
        {
            new StandardStream(w, writable: true).Dispose();
            new StandardStream(w, writable: true).Write("still open"u8);
        }
        finally
        {
            Libc.Close(r);
            Libc.Close(w);
        }
    }
}
