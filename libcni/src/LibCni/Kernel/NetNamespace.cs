using LibCni.Interop;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Kernel;

/// <summary>The netns path does not exist: DEL treats this as already cleaned up.</summary>
public sealed class NetnsNotFoundException(string path)
    : IOException($"failed to open netns \"{path}\": no such file or directory")
{
    public string Path { get; } = path;
}

/// <summary>
/// Network namespaces by path. Work inside a namespace runs synchronously on a fresh dedicated thread
/// that enters it with setns and then exits, so no pooled thread ever carries a foreign netns.
/// </summary>
public static class NetNamespace
{
    /// <summary>Opens a netns file, checking it is on nsfs or procfs as the reference does.</summary>
    public static SafeFileHandle Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = Libc.Open(path, Libc.O_RDONLY);
        }
        catch (ErrnoException e) when (e.Errno == Errno.ENOTDIR)
        {
            throw new NetnsNotFoundException(path);
        }
        catch (FileNotFoundException)
        {
            throw new NetnsNotFoundException(path);
        }

        try
        {
            var magic = FileSystemMagic(handle);
            if (magic != Libc.NSFS_MAGIC && magic != Libc.PROC_SUPER_MAGIC)
            {
                throw new IOException($"unknown FS magic on \"{path}\": {magic:x}");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> inside the netns at <paramref name="path"/> and returns its value.</summary>
    public static T Run<T>(string path, Func<T> work)
    {
        using var handle = Open(path);
        return Run(handle, path, work);
    }

    public static void Run(string path, Action work) => Run(path, () =>
    {
        work();
        return true;
    });

    public static T Run<T>(SafeFileHandle netns, string description, Func<T> work)
    {
        // A session of one call: its thread dies with the namespace switch, so no other work runs in the wrong netns.
        using var session = new NetnsSession(netns, description);
        return session.Run(work);
    }

    /// <summary>An rtnetlink client whose socket lives in the netns at <paramref name="path"/>; usable from any thread.</summary>
    public static RtnlClient OpenRtnl(string path) =>
        new(new NetlinkClient(Run(path, () => NetlinkSocket.Open(NetlinkSocket.Route))));

    /// <summary>An rtnetlink client in the caller's current netns.</summary>
    public static RtnlClient OpenRtnl() => new(new NetlinkClient(NetlinkSocket.Open(NetlinkSocket.Route)));

    private static unsafe long FileSystemMagic(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[256];
        Libc.Check(Libc.FStatFs(handle, buffer), "fstatfs");
        return *(long*)buffer;
    }
}
