namespace LibCni.Interop;

// Every P/Invoke of the suite lives in this folder, one file per syscall group (dotnet/runtime's layout).
internal static partial class Libc
{
    internal const string Name = "libc";
}
