using System.Runtime.InteropServices;

namespace LibCni.Interop;

// AF_PACKET sockets (packet(7)) for the dhcp daemon's client: it must send and receive before the interface has an address.
internal static partial class Libc
{
    internal const int AF_PACKET = 17;
    internal const int SOCK_DGRAM = 2;
    internal const ushort ETH_P_IP = 0x0800;
    internal const byte PACKET_OUTGOING = 4;

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Addr[8];
    }

    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    internal static partial int BindLl(SafeFdHandle fd, in SockaddrLl address, int addressLength);

    [LibraryImport(Name, EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendToLl(SafeFdHandle fd, byte* buffer, nuint length, int flags, in SockaddrLl address, int addressLength);

    [LibraryImport(Name, EntryPoint = "recvfrom", SetLastError = true)]
    internal static unsafe partial nint RecvFromLl(SafeFdHandle fd, byte* buffer, nuint length, int flags, out SockaddrLl address, ref int addressLength);
}
