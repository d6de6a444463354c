using LibCni.Interop;

namespace LibCni.Netlink;

/// <summary>
/// A real AF_NETLINK socket in the netns of the thread that opened it. Asks the kernel for extended
/// acks, capped acks and strict dump checking; receives grow the buffer to the datagram's size.
/// </summary>
public sealed class NetlinkSocket : INetlinkConnection
{
    public const int Route = 0;
    public const int Netfilter = 12;

    private readonly SafeFdHandle _fd;
    private byte[] _receiveBuffer = new byte[32 * 1024];

    private NetlinkSocket(SafeFdHandle fd, uint portId)
    {
        _fd = fd;
        PortId = portId;
    }

    public uint PortId { get; }

    public static NetlinkSocket Open(int protocol)
    {
        var raw = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        Libc.Check(raw, "socket(AF_NETLINK)");
        var fd = new SafeFdHandle(raw);
        try
        {
            // Best effort: older kernels lack some of these, and every one of them only improves errors.
            SetOption(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, 1);
            SetOption(fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, 1);
            if (protocol == Route)
            {
                SetOption(fd, Libc.SOL_NETLINK, Libc.NETLINK_GET_STRICT_CHK, 1);
            }

            SetOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 1 << 20);
            var local = new Libc.SockaddrNl { Family = Libc.AF_NETLINK };
            Libc.Check(Libc.Bind(fd, local, 12), "bind(AF_NETLINK)");
            var length = 12;
            Libc.Check(Libc.GetSockName(fd, out var bound, ref length), "getsockname(AF_NETLINK)");
            return new NetlinkSocket(fd, bound.Pid);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe void Send(ReadOnlySpan<byte> datagram)
    {
        var kernel = new Libc.SockaddrNl { Family = Libc.AF_NETLINK };
        fixed (byte* p = datagram)
        {
            while (true)
            {
                var sent = Libc.SendTo(_fd, p, (nuint)datagram.Length, 0, kernel, 12);
                if (sent >= 0)
                {
                    return;
                }

                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR)
                {
                    throw new ErrnoException(errno, "sendto(netlink)");
                }
            }
        }
    }

    public unsafe byte[] Receive()
    {
        while (true)
        {
            // Peek with MSG_TRUNC to learn the datagram's full size, then read it whole.
            nint size;
            fixed (byte* p = _receiveBuffer)
            {
                size = Libc.Recv(_fd, p, (nuint)_receiveBuffer.Length, Libc.MSG_PEEK | Libc.MSG_TRUNC);
            }

            if (size < 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                throw new ErrnoException(errno, "recv(netlink)");
            }

            if (size > _receiveBuffer.Length)
            {
                _receiveBuffer = new byte[Math.Max(size, _receiveBuffer.Length * 2)];
            }

            fixed (byte* p = _receiveBuffer)
            {
                size = Libc.Recv(_fd, p, (nuint)_receiveBuffer.Length, 0);
            }

            if (size < 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                throw new ErrnoException(errno, "recv(netlink)");
            }

            return _receiveBuffer[..(int)size];
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void SetOption(SafeFdHandle fd, int level, int name, int value) =>
        _ = Libc.SetSockOpt(fd, level, name, value, sizeof(int));
}
