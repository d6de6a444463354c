using System.Runtime.InteropServices;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// Writes files so that a reader never sees them half-written, even when the writer is killed: the content
/// goes to a temporary file in the same directory first, is flushed, gets its mode, and only then gets its
/// real name. A kill leaves at most a stray temporary file whose name starts with the caller's prefix.
/// The target inode is never opened for writing, so a binary being exec'd meanwhile keeps its old inode.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> unless the name exists: link(2) gives the
    /// complete file its name in one step and fails with EEXIST when it is taken. Returns false when taken.
    /// </summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> content, UnixFileMode mode, string tempPrefix)
    {
        var bytes = content.ToArray();
        return TryCreate(path, stream => stream.Write(bytes), mode, tempPrefix);
    }

    /// <inheritdoc cref="TryCreate(string, ReadOnlySpan{byte}, UnixFileMode, string)"/>
    public static bool TryCreate(string path, Action<Stream> write, UnixFileMode mode, string tempPrefix)
    {
        var temp = WriteTemp(path, write, mode, tempPrefix, durable: true);
        try
        {
            if (Libc.Link(temp, path) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EEXIST)
            {
                return false;
            }

            throw new ErrnoException(errno, $"link {temp} {path}");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Replaces (or creates) <paramref name="path"/> with <paramref name="content"/> through rename(2). A kill
    /// never leaves it half-written either way; <paramref name="durable"/> also fsyncs the content before the
    /// rename, which only matters across a power loss and costs a disk flush (milliseconds on a busy disk).
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, UnixFileMode mode, string tempPrefix, bool durable = true)
    {
        var bytes = content.ToArray();
        Replace(path, stream => stream.Write(bytes), mode, tempPrefix, durable);
    }

    /// <inheritdoc cref="Replace(string, ReadOnlySpan{byte}, UnixFileMode, string, bool)"/>
    public static void Replace(string path, Action<Stream> write, UnixFileMode mode, string tempPrefix, bool durable = true)
    {
        var temp = WriteTemp(path, write, mode, tempPrefix, durable);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string WriteTemp(string path, Action<Stream> write, UnixFileMode mode, string tempPrefix, bool durable)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        // getrandom(2), not /dev/urandom: the installer image has no /dev of its own.
        var temp = Path.Combine(directory, tempPrefix + KernelRandom.Hex(8));
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }

            // Explicit chmod: the process umask must not decide the mode (an executable the kubelet cannot run).
            File.SetUnixFileMode(temp, mode);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return temp;
    }
}
