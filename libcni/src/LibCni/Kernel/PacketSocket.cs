using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// A cooked AF_PACKET socket for IPv4 on one interface: it sends and receives whole IP datagrams below the IP
/// stack, so it works while the interface has no address. It stays in the netns it was opened in, so open it
/// inside <see cref="NetNamespace.Run{T}(string, Func{T})"/> and use it from any thread. Needs CAP_NET_RAW.
/// </summary>
public sealed class PacketSocket : IDisposable
{
    private readonly SafeFdHandle _fd;
    private readonly int _ifIndex;

    private PacketSocket(SafeFdHandle fd, int ifIndex)
    {
        _fd = fd;
        _ifIndex = ifIndex;
    }

    /// <summary>Opens the socket bound to <paramref name="ifIndex"/> in the calling thread's netns.</summary>
    public static PacketSocket OpenIpv4(int ifIndex)
    {
        // Protocol 0 at socket(): a socket made with a protocol is hooked on every device at once, and bind then
        // unhooks it, which waits for an RCU grace period (synchronize_net). Hooked only by bind, it waits for none.
        var protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_IP);
        var fd = new SafeFdHandle((int)Libc.Check(Libc.Socket(Libc.AF_PACKET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0), "socket(AF_PACKET)"));
        try
        {
            var address = new Libc.SockaddrLl { Family = Libc.AF_PACKET, Protocol = protocol, IfIndex = ifIndex };
            Libc.Check(Libc.BindLl(fd, address, Marshal.SizeOf<Libc.SockaddrLl>()), $"bind(AF_PACKET, ifindex {ifIndex})");
            return new PacketSocket(fd, ifIndex);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Sends an IP datagram to the link-layer address <paramref name="destination"/> (6 bytes for Ethernet).</summary>
    public unsafe void Send(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> destination)
    {
        var address = new Libc.SockaddrLl
        {
            Family = Libc.AF_PACKET,
            Protocol = BinaryPrimitives.ReverseEndianness(Libc.ETH_P_IP),
            IfIndex = _ifIndex,
            HaLen = (byte)Math.Min(destination.Length, 8),
        };
        for (var i = 0; i < address.HaLen; i++)
        {
            address.Addr[i] = destination[i];
        }

        fixed (byte* buffer = datagram)
        {
            nint sent;
            do
            {
                sent = Libc.SendToLl(_fd, buffer, (nuint)datagram.Length, 0, address, Marshal.SizeOf<Libc.SockaddrLl>());
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
            Libc.Check(sent, "sendto(AF_PACKET)");
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for an incoming datagram (our own outgoing copies are skipped) and
    /// returns its length, with the sender's link-layer address; 0 on timeout.
    /// </summary>
    public unsafe int Receive(Span<byte> buffer, TimeSpan timeout, out byte[] source)
    {
        source = [];
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return 0;
            }

            var poll = new Libc.PollFd { Fd = (int)_fd.DangerousGetHandle(), Events = Libc.POLLIN };
            var ready = Libc.Poll(&poll, 1, (int)Math.Min(left, int.MaxValue));
            if (ready < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR)
            {
                continue;
            }

            Libc.Check(ready, "poll(AF_PACKET)");
            if (ready == 0)
            {
                return 0;
            }

            int length;
            Libc.SockaddrLl from;
            fixed (byte* data = buffer)
            {
                var size = Marshal.SizeOf<Libc.SockaddrLl>();
                length = (int)Libc.Check(Libc.RecvFromLl(_fd, data, (nuint)buffer.Length, 0, out from, ref size), "recvfrom(AF_PACKET)");
            }

            if (from.PktType == Libc.PACKET_OUTGOING)
            {
                continue;
            }

            source = new byte[Math.Min((int)from.HaLen, 8)];
            for (var i = 0; i < source.Length; i++)
            {
                source[i] = from.Addr[i];
            }

            return length;
        }
    }

    public void Dispose() => _fd.Dispose();

    /// <summary>
    /// Closes the socket on a thread of its own: close(2) of a packet socket always waits for an RCU grace period
    /// (synchronize_net in packet_release), milliseconds that a caller with an answer to give need not wait.
    /// </summary>
    public void DisposeInBackground() => new Thread(_fd.Dispose) { IsBackground = true, Name = "packet-close" }.Start();
}
