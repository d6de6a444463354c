using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    /// <summary>getrandom(2) from the kernel's pool; flags 0 blocks only before the pool is first seeded.</summary>
    [LibraryImport(Name, EntryPoint = "getrandom", SetLastError = true)]
    internal static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);
}
