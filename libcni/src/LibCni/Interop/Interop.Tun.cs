using System.Runtime.InteropServices;

namespace LibCni.Interop;

/// <summary>The tun driver's ioctls (linux/if_tun.h): what <c>ip tuntap add</c> does, without the exec.</summary>
internal static partial class Libc
{
    internal const uint TUNSETIFF = 0x400454ca;
    internal const uint TUNSETPERSIST = 0x400454cb;
    internal const uint TUNSETOWNER = 0x400454cc;
    internal const uint TUNSETGROUP = 0x400454ce;
    internal const short IFF_TAP = 0x0002;
    internal const short IFF_MULTI_QUEUE = 0x0100;
    internal const short IFF_NO_PI = 0x1000;
    internal const short IFF_VNET_HDR = 0x4000;
    internal const int O_RDWR = 2;

    /// <summary>struct ifreq: a 16-byte name, then the union (flags are its first short); 40 bytes on 64-bit.</summary>
    internal const int IfReqSize = 40;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int IoctlPointer(SafeHandle fd, nuint request, byte* argument);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int IoctlValue(SafeHandle fd, nuint request, nint argument);
}
