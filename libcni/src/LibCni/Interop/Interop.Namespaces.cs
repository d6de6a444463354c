using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWNET = 0x40000000;
    internal const int CLONE_NEWNS = 0x00020000;
    internal const ulong MS_BIND = 4096;
    internal const int MNT_DETACH = 2;

    [LibraryImport(Name, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeFileHandle fd, int nsType);

    [LibraryImport(Name, EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);

    [LibraryImport(Name, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string? source, string target, string? fsType, ulong flags, IntPtr data);

    [LibraryImport(Name, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Umount2(string target, int flags);

    [LibraryImport(Name, EntryPoint = "gettid")]
    internal static partial int GetTid();
}
