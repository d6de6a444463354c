using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWNET = 0x40000000;
    internal const int CLONE_NEWNS = 0x00020000;

    [LibraryImport(Name, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeFileHandle fd, int nsType);
}
