using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUF = 7;
    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_CAP_ACK = 10;
    internal const int NETLINK_EXT_ACK = 11;
    internal const int NETLINK_GET_STRICT_CHK = 12;
    internal const int MSG_PEEK = 0x2;
    internal const int MSG_TRUNC = 0x20;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(SafeFdHandle fd, in SockaddrNl address, int addressLength);

    [LibraryImport(Name, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(SafeFdHandle fd, out SockaddrNl address, ref int addressLength);

    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(SafeFdHandle fd, int level, int name, in int value, int valueLength);

    [LibraryImport(Name, EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendTo(SafeFdHandle fd, byte* buffer, nuint length, int flags, in SockaddrNl address, int addressLength);

    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(SafeFdHandle fd, byte* buffer, nuint length, int flags);

    /// <summary>Only for <see cref="SafeFdHandle.ReleaseHandle"/>.</summary>
    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
