using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Interop;

internal static partial class Libc
{
    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;
    internal const int AT_FDCWD = -100;
    internal const uint STATX_INO = 0x100;
    internal const long NSFS_MAGIC = 0x6e736673;
    internal const long PROC_SUPER_MAGIC = 0x9fa0;

    // struct statx is the same on every architecture; these are its offsets.
    internal const int StatxSize = 256;
    internal const int StatxInoOffset = 32;
    internal const int StatxDevMajorOffset = 136;
    internal const int StatxDevMinorOffset = 140;

    [LibraryImport(Name, EntryPoint = "flock", SetLastError = true)]
    internal static partial int FLock(SafeFileHandle fd, int operation);

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>f_type is the first field (a long) of struct statfs on 64-bit Linux.</summary>
    [LibraryImport(Name, EntryPoint = "fstatfs", SetLastError = true)]
    internal static unsafe partial int FStatFs(SafeFileHandle fd, byte* buffer);

    [LibraryImport(Name, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(SafeFileHandle fd);
}

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_CREAT = 0x40;
    internal const int O_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, int mode);

    /// <summary>
    /// open(2) without .NET's implicit advisory lock: FileStream and File.OpenHandle take LOCK_SH|LOCK_NB,
    /// which fails while another process holds the lock we mean to wait for.
    /// </summary>
    internal static SafeFileHandle Open(string path, int flags, int mode = 0)
    {
        var fd = (int)RetryOnEintr(() => OpenRaw(path, flags | O_CLOEXEC, mode));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Kernel.Errno.ENOENT)
            {
                throw new FileNotFoundException($"open {path}: {ErrnoException.ErrnoText(errno)}", path);
            }

            throw new ErrnoException(errno, $"open {path}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
