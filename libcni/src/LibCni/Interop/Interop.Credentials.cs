using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "getuid")]
    internal static partial uint GetUid();
}
