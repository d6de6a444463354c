namespace LibCni.Netlink;

/// <summary>A datagram transport to the kernel: the real socket, or a scripted one in tests.</summary>
public interface INetlinkConnection : IDisposable
{
    /// <summary>The port ID the kernel assigned to this socket.</summary>
    uint PortId { get; }

    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>Receives one whole datagram, however large.</summary>
    byte[] Receive();
}
