using LibCni.Interop;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Kernel;

/// <summary>
/// A blocking exclusive flock on a file, the lock the reference's host-local takes. .NET's FileShare
/// uses LOCK_NB, which fails instead of waiting, so this calls flock itself.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFileHandle _handle;

    private FileLock(SafeFileHandle handle) => _handle = handle;

    /// <summary>Opens (creating if needed) <paramref name="path"/> and waits for the exclusive lock.</summary>
    public static FileLock Acquire(string path) =>
        // O_CREAT|O_RDONLY with mode 0750, as the reference opens its lock file.
        Lock(Libc.Open(path, Libc.O_CREAT | Libc.O_RDONLY, Convert.ToInt32("750", 8)), path);

    /// <summary>
    /// Waits for the exclusive lock on an existing file, never creating it (sbr locks the netns file itself, and
    /// creating one where a netns was would leave a plain file behind).
    /// </summary>
    public static FileLock AcquireExisting(string path) => Lock(Libc.Open(path, Libc.O_RDONLY), path);

    private static FileLock Lock(SafeFileHandle handle, string path)
    {
        try
        {
            Libc.Check(Libc.RetryOnEintr(() => Libc.FLock(handle, Libc.LOCK_EX)), $"flock({path})");
            return new FileLock(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_handle.IsClosed)
        {
            _ = Libc.FLock(_handle, Libc.LOCK_UN);
            _handle.Dispose();
        }
    }
}
