using System.Runtime.InteropServices;

namespace LibCni.Interop;

/// <summary>An owned file descriptor (sockets here; files use <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/>).</summary>
internal sealed class SafeFdHandle : SafeHandle
{
    public SafeFdHandle()
        : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    internal SafeFdHandle(int fd)
        : this() => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
