using System.Runtime.InteropServices;
using System.Text;
using LibCni.Interop;
using ErrnoException = LibCni.Interop.ErrnoException;

namespace LibCni.Kernel;

/// <summary>A persistent tap device, made as <c>ip tuntap add mode tap</c> makes it: in the calling thread's netns.</summary>
public static class Tun
{
    private const string Device = "/dev/net/tun";

    /// <summary>
    /// Creates tap <paramref name="name"/> (IFF_TAP | IFF_NO_PI, plus multi-queue and vnet header when asked), owned by
    /// <paramref name="owner"/>/<paramref name="group"/> when given, and persistent, so it outlives this process.
    /// Run it on the thread that is in the target netns.
    /// </summary>
    /// <exception cref="ErrnoException">The driver refused (no /dev/net/tun, a taken name, no permission).</exception>
    public static unsafe void CreatePersistentTap(string name, bool multiQueue, bool vnetHeader, uint? owner, uint? group)
    {
        using var tun = Libc.Open(Device, Libc.O_RDWR);
        var request = stackalloc byte[Libc.IfReqSize];
        new Span<byte>(request, Libc.IfReqSize).Clear();
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > 15)
        {
            throw new ArgumentException($"interface name \"{name}\" is longer than 15 bytes", nameof(name));
        }

        bytes.CopyTo(new Span<byte>(request, 16));
        var flags = (short)(Libc.IFF_TAP | Libc.IFF_NO_PI | (multiQueue ? Libc.IFF_MULTI_QUEUE : 0) | (vnetHeader ? Libc.IFF_VNET_HDR : 0));
        *(short*)(request + 16) = flags;
        Check(Libc.IoctlPointer(tun, Libc.TUNSETIFF, request), $"TUNSETIFF {name}");
        if (owner is { } uid)
        {
            Check(Libc.IoctlValue(tun, Libc.TUNSETOWNER, (nint)uid), $"TUNSETOWNER {name} {uid}");
        }

        if (group is { } gid)
        {
            Check(Libc.IoctlValue(tun, Libc.TUNSETGROUP, (nint)gid), $"TUNSETGROUP {name} {gid}");
        }

        Check(Libc.IoctlValue(tun, Libc.TUNSETPERSIST, 1), $"TUNSETPERSIST {name}");
    }

    private static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            throw new ErrnoException(Marshal.GetLastPInvokeError(), what);
        }
    }
}
