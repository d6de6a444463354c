using System.Buffers.Binary;
using LibCni.Interop;
using LibCni.Kernel;

namespace LibCni.Netlink;

/// <summary>
/// Request/reply over a netlink connection: a sequence number per request checked on every reply,
/// ACKs and errors with the kernel's extended-ack text, dumps read to NLMSG_DONE and retried when the
/// kernel marks them interrupted.
/// </summary>
public sealed class NetlinkClient : IDisposable
{
    public const int MaxDumpAttempts = 5;

    private readonly INetlinkConnection _connection;
    private uint _sequence;

    public NetlinkClient(INetlinkConnection connection, uint firstSequence = 0)
    {
        _connection = connection;
        _sequence = firstSequence == 0 ? (uint)Environment.TickCount : firstSequence;
    }

    /// <summary>Sends one request with NLM_F_ACK and returns the replies that came before the ACK.</summary>
    public List<NetlinkMessage> Execute(NetlinkMessageWriter request, string operation)
    {
        request.Flags |= Nlmsg.FRequest | Nlmsg.FAck;
        var sequence = NextSequence();
        _connection.Send(request.Finish(sequence, _connection.PortId));
        var replies = new List<NetlinkMessage>();
        while (true)
        {
            foreach (var message in ReceiveFor(sequence))
            {
                if (message.Type == Nlmsg.Error)
                {
                    ThrowIfError(message, operation);
                    return replies;
                }

                if (message.Type is Nlmsg.Noop)
                {
                    continue;
                }

                replies.Add(message);
            }
        }
    }

    /// <summary>
    /// Sends several requests in one datagram; every message asks for an ACK and the first error, with its
    /// kernel text, is thrown after all replies have been read.
    /// </summary>
    public void ExecuteBatch(IReadOnlyList<NetlinkMessageWriter> requests, string operation) =>
        ExecuteBatch(null, requests.Select(r => (r, operation)).ToList(), null);

    /// <summary>
    /// Sends an nfnetlink batch in one datagram: <paramref name="begin"/>, the requests, <paramref name="end"/>.
    /// Each request asks for an ACK; the markers do not, because kernels before 6.10 never answer them. An
    /// error addressed to a marker means the kernel refused the whole batch and ends the wait. The first
    /// failing request's error is thrown, named by its own operation, once all replies have been read.
    /// </summary>
    public void ExecuteBatch(NetlinkMessageWriter? begin, IReadOnlyList<(NetlinkMessageWriter Request, string Operation)> requests, NetlinkMessageWriter? end)
    {
        var operations = new Dictionary<uint, string>(requests.Count);
        var markers = new HashSet<uint>();
        using var datagram = new MemoryStream();
        if (begin is not null)
        {
            var sequence = NextSequence();
            markers.Add(sequence);
            datagram.Write(begin.Finish(sequence, _connection.PortId));
        }

        foreach (var (request, operation) in requests)
        {
            request.Flags |= Nlmsg.FRequest | Nlmsg.FAck;
            var sequence = NextSequence();
            operations.Add(sequence, operation);
            datagram.Write(request.Finish(sequence, _connection.PortId));
        }

        if (end is not null)
        {
            var sequence = NextSequence();
            markers.Add(sequence);
            datagram.Write(end.Finish(sequence, _connection.PortId));
        }

        _connection.Send(datagram.ToArray());
        var pending = new HashSet<uint>(operations.Keys);
        NetlinkException? first = null;
        while (pending.Count > 0)
        {
            foreach (var message in NetlinkMessage.ParseAll(_connection.Receive()))
            {
                if (message.Type != Nlmsg.Error)
                {
                    continue;
                }

                if (markers.Contains(message.Sequence))
                {
                    try
                    {
                        ThrowIfError(message, "netlink batch");
                    }
                    catch (NetlinkException e)
                    {
                        first ??= e;
                        pending.Clear();
                    }

                    continue;
                }

                if (!pending.Remove(message.Sequence))
                {
                    continue;
                }

                try
                {
                    ThrowIfError(message, operations[message.Sequence]);
                }
                catch (NetlinkException e)
                {
                    first ??= e;
                }
            }
        }

        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>
    /// Sends a dump request and returns every message up to NLMSG_DONE. A dump the kernel flags as
    /// interrupted (NLM_F_DUMP_INTR: the table changed meanwhile) is thrown away and asked for again.
    /// </summary>
    public List<NetlinkMessage> Dump(Func<NetlinkMessageWriter> buildRequest, string operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = buildRequest();
            request.Flags |= Nlmsg.FRequest | Nlmsg.FDump;
            var sequence = NextSequence();
            _connection.Send(request.Finish(sequence, _connection.PortId));
            var messages = new List<NetlinkMessage>();
            var interrupted = false;
            var done = false;
            while (!done)
            {
                foreach (var message in ReceiveFor(sequence))
                {
                    interrupted |= (message.Flags & Nlmsg.FDumpIntr) != 0;
                    if (message.Type == Nlmsg.Done)
                    {
                        ThrowIfDoneCarriesError(message, operation);
                        done = true;
                        break;
                    }

                    if (message.Type == Nlmsg.Error)
                    {
                        ThrowIfError(message, operation);
                        done = true;
                        break;
                    }

                    if (message.Type != Nlmsg.Noop)
                    {
                        messages.Add(message);
                    }
                }
            }

            if (!interrupted)
            {
                return messages;
            }

            if (attempt == MaxDumpAttempts)
            {
                throw new NetlinkException(Errno.EINTR, operation, $"dump was interrupted {MaxDumpAttempts} times in a row");
            }
        }
    }

    public void Dispose() => _connection.Dispose();

    private uint NextSequence()
    {
        _sequence++;
        if (_sequence == 0)
        {
            _sequence = 1;
        }

        return _sequence;
    }

    /// <summary>Receives datagrams until one holds replies to <paramref name="sequence"/>; stale replies are dropped.</summary>
    private List<NetlinkMessage> ReceiveFor(uint sequence)
    {
        while (true)
        {
            var messages = NetlinkMessage.ParseAll(_connection.Receive());
            var mine = messages.Where(m => m.Sequence == sequence).ToList();
            if (mine.Count > 0)
            {
                return mine;
            }

            if (messages.Any(m => m.Type == Nlmsg.Overrun))
            {
                throw new NetlinkException(Errno.ENOBUFS, "netlink receive", "socket buffer overrun");
            }
        }
    }

    /// <summary>Reads struct nlmsgerr: a zero error is an ACK; anything else throws with the ext-ack text.</summary>
    internal static void ThrowIfError(NetlinkMessage message, string operation)
    {
        var payload = message.Payload.Span;
        if (payload.Length < 4)
        {
            throw new InvalidDataException($"{operation}: truncated netlink error message");
        }

        var error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error == 0)
        {
            return;
        }

        throw new NetlinkException(-error, operation, ExtAckMessage(message));
    }

    private static void ThrowIfDoneCarriesError(NetlinkMessage message, string operation)
    {
        var payload = message.Payload.Span;
        if (payload.Length >= 4)
        {
            var error = BinaryPrimitives.ReadInt32LittleEndian(payload);
            if (error < 0)
            {
                var text = NetlinkAttribute.ParseAll(message.Payload[4..]).FirstOrDefault(a => a.Type == Nlmsg.ErrAttrMsg);
                throw new NetlinkException(-error, operation, text.Value.IsEmpty ? null : text.AsString());
            }
        }
    }

    /// <summary>The NLMSGERR_ATTR_MSG text that follows the echoed request header (or whole request, without CAP_ACK).</summary>
    private static string? ExtAckMessage(NetlinkMessage message)
    {
        if ((message.Flags & Nlmsg.FAckTlvs) == 0)
        {
            return null;
        }

        var payload = message.Payload;
        if (payload.Length < 4 + Nlmsg.HeaderLength)
        {
            return null;
        }

        var echoedLength = (message.Flags & Nlmsg.FCapped) != 0
            ? Nlmsg.HeaderLength
            : (int)BinaryPrimitives.ReadUInt32LittleEndian(payload.Span[4..]);
        var tlvStart = 4 + Nlmsg.Align(echoedLength);
        if (tlvStart > payload.Length)
        {
            return null;
        }

        foreach (var attribute in NetlinkAttribute.ParseAll(payload[tlvStart..]))
        {
            if (attribute.Type == Nlmsg.ErrAttrMsg)
            {
                return attribute.AsString();
            }
        }

        return null;
    }
}
