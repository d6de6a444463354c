using System.Buffers.Binary;
using LibCni.Netlink;

namespace LibCni.TestKit;

/// <summary>
/// A netlink connection that records what is sent and answers from a script. Replies are built by a
/// function of the request, so they carry the request's sequence number like the kernel's do.
/// </summary>
public sealed class ScriptedConnection : INetlinkConnection
{
    private readonly Queue<Func<byte[], IEnumerable<byte[]>>> _responders = new();
    private readonly Queue<byte[]> _pending = new();

    public uint PortId => 4242;

    public List<byte[]> Sent { get; } = [];

    /// <summary>Queues the datagrams to answer the next request with.</summary>
    public ScriptedConnection Respond(Func<byte[], IEnumerable<byte[]>> responder)
    {
        _responders.Enqueue(responder);
        return this;
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        var request = datagram.ToArray();
        Sent.Add(request);
        if (_responders.Count == 0)
        {
            throw new InvalidOperationException("scripted netlink connection has no response for this request");
        }

        foreach (var reply in _responders.Dequeue()(request))
        {
            _pending.Enqueue(reply);
        }
    }

    public byte[] Receive() => _pending.Count > 0 ? _pending.Dequeue() : throw new InvalidOperationException("no scripted reply left");

    public void Dispose()
    {
    }

    public static uint SequenceOf(byte[] request) => BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(8));

    /// <summary>A message with the given header fields and payload.</summary>
    public static byte[] Message(ushort type, ushort flags, uint sequence, ReadOnlySpan<byte> payload)
    {
        var length = 16 + payload.Length;
        var bytes = new byte[(length + 3) & ~3];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), sequence);
        payload.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>An NLMSG_ERROR reply (0 = ACK) with an optional extended-ack message, as a capped ack.</summary>
    public static byte[] Ack(uint sequence, int errno = 0, string? extAck = null)
    {
        var payload = new List<byte>();
        payload.AddRange(BitConverter.GetBytes(-errno));
        payload.AddRange(new byte[16]);
        ushort flags = Nlmsg.FCapped;
        if (extAck is not null)
        {
            flags |= Nlmsg.FAckTlvs;
            var text = System.Text.Encoding.UTF8.GetBytes(extAck + "\0");
            payload.AddRange(BitConverter.GetBytes((ushort)(4 + text.Length)));
            payload.AddRange(BitConverter.GetBytes(Nlmsg.ErrAttrMsg));
            payload.AddRange(text);
            while (payload.Count % 4 != 0)
            {
                payload.Add(0);
            }
        }

        return Message(Nlmsg.Error, flags, sequence, payload.ToArray());
    }

    public static byte[] Done(uint sequence, ushort flags = Nlmsg.FMulti) => Message(Nlmsg.Done, flags, sequence, new byte[4]);

    public static byte[] Concat(params byte[][] messages) => messages.SelectMany(m => m).ToArray();
}
