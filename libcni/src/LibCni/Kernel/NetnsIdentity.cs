using LibCni.Interop;
using LibCni.Skel;

namespace LibCni.Kernel;

/// <summary>Compares namespace files by device and inode, which is how the kernel identifies a namespace.</summary>
public sealed class NetnsIdentity : INetnsIdentity
{
    public static NetnsIdentity Instance { get; } = new();

    public bool IsOwnNetns(string path)
    {
        var own = Identify("/proc/self/ns/net");
        var other = Identify(path);
        return own is not null && other is not null && own == other;
    }

    /// <summary>The inode of a namespace file (unique per namespace on nsfs), or null when it cannot be stat'ed.</summary>
    public static ulong? Inode(string path) => Identify(path)?.Inode;

    internal static unsafe (uint Major, uint Minor, ulong Inode)? Identify(string path)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        if (Libc.Statx(Libc.AT_FDCWD, path, 0, Libc.STATX_INO, buffer) != 0)
        {
            return null;
        }

        return (*(uint*)(buffer + Libc.StatxDevMajorOffset), *(uint*)(buffer + Libc.StatxDevMinorOffset), *(ulong*)(buffer + Libc.StatxInoOffset));
    }
}
