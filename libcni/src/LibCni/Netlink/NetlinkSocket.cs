using LibCni.Interop;
using LibCni.Kernel;

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
            var start = p;
            var length = (nuint)datagram.Length;
            Libc.Check(Libc.RetryOnEintr(() => Libc.SendTo(_fd, start, length, 0, kernel, 12)), "sendto(netlink)");
        }
    }

    public unsafe byte[] Receive()
    {
        // Peek with MSG_TRUNC to learn the datagram's full size, then read it whole.
        var size = ReceiveInto(Libc.MSG_PEEK | Libc.MSG_TRUNC);
        if (size > _receiveBuffer.Length)
        {
            _receiveBuffer = new byte[Math.Max(size, _receiveBuffer.Length * 2)];
        }

        size = ReceiveInto(0);
        return _receiveBuffer[..(int)size];
    }

    private unsafe nint ReceiveInto(int flags)
    {
        fixed (byte* p = _receiveBuffer)
        {
            var start = p;
            var length = (nuint)_receiveBuffer.Length;
            return (nint)Libc.Check(Libc.RetryOnEintr(() => Libc.Recv(_fd, start, length, flags)), "recv(netlink)");
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void SetOption(SafeFdHandle fd, int level, int name, int value) =>
        _ = Libc.SetSockOpt(fd, level, name, value, sizeof(int));
}
