using System.Runtime.InteropServices;
using System.Text;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// An open directory whose small files are read by name relative to it: openat + one pread + close per
/// file, instead of the path lookups, readlink, fstat and buffers of File.ReadAllText per file. Used where
/// one run reads many small records (host-local's store).
/// </summary>
public sealed class DirectoryHandle : IDisposable
{
    private const int SmallFile = 512;
    private readonly SafeFdHandle _fd;
    private readonly string _path;

    private DirectoryHandle(SafeFdHandle fd, string path)
    {
        _fd = fd;
        _path = path;
    }

    public static DirectoryHandle Open(string path)
    {
        var fd = Libc.OpenAt(Libc.AT_FDCWD, path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new ErrnoException(Marshal.GetLastPInvokeError(), $"open {path}");
        }

        return new DirectoryHandle(new SafeFdHandle(fd), path);
    }

    /// <summary>
    /// The UTF-8 text of the file <paramref name="name"/> in this directory, or null when it is gone, is a
    /// symbolic link (never followed) or is not a readable regular file.
    /// </summary>
    public unsafe string? TryReadText(string name)
    {
        var fd = Libc.OpenAt((int)_fd.DangerousGetHandle(), name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            Span<byte> buffer = stackalloc byte[SmallFile];
            fixed (byte* start = buffer)
            {
                var n = Libc.PRead(fd, start, (nuint)buffer.Length, 0);
                if (n < 0)
                {
                    return null;
                }

                if (n < buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer[..(int)n]);
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }

        // Larger than any record: the rare slow path.
        try
        {
            var path = Path.Combine(_path, name);
            return new FileInfo(path).LinkTarget is null ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _fd.Dispose();
}
