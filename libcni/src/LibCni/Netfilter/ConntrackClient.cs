using System.Buffers.Binary;
using System.Net;
using LibCni.Kernel;
using LibCni.Netlink;

namespace LibCni.Netfilter;

/// <summary>A conntrack entry's original tuple: what identifies it for deletion.</summary>
public sealed record ConntrackTuple(byte Family, IPAddress Source, IPAddress Destination, byte Protocol, ushort SourcePort, ushort DestinationPort);

/// <summary>
/// Conntrack over ctnetlink (NETLINK_NETFILTER, subsystem CTNETLINK): list entries and delete them by
/// original tuple, which is what <c>conntrack -D -p udp --dport N</c> does, without the exec.
/// </summary>
public sealed class ConntrackClient(NetlinkClient client) : IDisposable
{
    public const byte ProtocolUdp = 17;

    private const ushort SubsystemCtnetlink = 1;
    private const ushort MsgNew = 0;
    private const ushort MsgGet = 1;
    private const ushort MsgDelete = 2;
    private const ushort CtaTupleOrig = 1;
    private const ushort CtaTupleIp = 1;
    private const ushort CtaTupleProto = 2;
    private const ushort CtaIpV4Src = 1;
    private const ushort CtaIpV4Dst = 2;
    private const ushort CtaIpV6Src = 3;
    private const ushort CtaIpV6Dst = 4;
    private const ushort CtaProtoNum = 1;
    private const ushort CtaProtoSrcPort = 2;
    private const ushort CtaProtoDstPort = 3;

    /// <summary>All entries of one family (AF_INET 2 or AF_INET6 10).</summary>
    public List<ConntrackTuple> List(byte family) =>
        client.Dump(() => Request(MsgGet, family), "IPCTNL_MSG_CT_GET dump")
            .Where(m => (m.Type & 0xff) == MsgNew)
            .Select(m => ParseTuple(m, family))
            .OfType<ConntrackTuple>()
            .ToList();

    /// <summary>
    /// How many entries the caller's netns tracks (its <c>net.netfilter.nf_conntrack_count</c>); 0 when conntrack
    /// was never loaded there, null when the count cannot be read. A dump walks the whole hash table however few
    /// entries match, so a caller that only deletes can skip it when this is 0.
    /// </summary>
    public static long? EntryCount()
    {
        try
        {
            return long.TryParse(Sysctl.Read("net", "netfilter", "nf_conntrack_count"), out var count) ? count : null;
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Deletes the entries whose original destination port is one of <paramref name="ports"/> for <paramref name="protocol"/>, with one dump; returns how many.</summary>
    public int DeleteByDestinationPorts(byte family, byte protocol, IReadOnlyCollection<ushort> ports)
    {
        var deleted = 0;
        foreach (var tuple in List(family).Where(t => t.Protocol == protocol && ports.Contains(t.DestinationPort)))
        {
            try
            {
                client.Execute(DeleteRequest(tuple), $"IPCTNL_MSG_CT_DELETE {tuple.Destination}:{tuple.DestinationPort}");
                deleted++;
            }
            catch (NetlinkException e) when (e.Errno == Kernel.Errno.ENOENT)
            {
                // Expired between the dump and the delete.
            }
        }

        return deleted;
    }

    public void Dispose() => client.Dispose();

    public static NetlinkMessageWriter DeleteRequest(ConntrackTuple tuple)
    {
        var w = Request(MsgDelete, tuple.Family);
        var orig = w.BeginNested(CtaTupleOrig);
        var ip = w.BeginNested(CtaTupleIp);
        var v4 = tuple.Family == 2;
        w.Attribute(v4 ? CtaIpV4Src : CtaIpV6Src, tuple.Source.GetAddressBytes());
        w.Attribute(v4 ? CtaIpV4Dst : CtaIpV6Dst, tuple.Destination.GetAddressBytes());
        w.EndNested(ip);
        var proto = w.BeginNested(CtaTupleProto);
        w.AttributeU8(CtaProtoNum, tuple.Protocol);
        w.AttributeU16BigEndian(CtaProtoSrcPort, tuple.SourcePort);
        w.AttributeU16BigEndian(CtaProtoDstPort, tuple.DestinationPort);
        w.EndNested(proto);
        return w.EndNested(orig);
    }

    private static NetlinkMessageWriter Request(ushort message, byte family) =>
        new NetlinkMessageWriter((ushort)((SubsystemCtnetlink << 8) | message), 0).WriteBytes([family, 0, 0, 0]);

    private static ConntrackTuple? ParseTuple(NetlinkMessage message, byte family)
    {
        if (message.Payload.Length < 4)
        {
            return null;
        }

        foreach (var attribute in NetlinkAttribute.ParseAll(message.Payload[4..]))
        {
            if (attribute.Type != CtaTupleOrig)
            {
                continue;
            }

            IPAddress? src = null, dst = null;
            byte protocol = 0;
            ushort sport = 0, dport = 0;
            foreach (var part in NetlinkAttribute.ParseAll(attribute.Value))
            {
                if (part.Type == CtaTupleIp)
                {
                    foreach (var ip in NetlinkAttribute.ParseAll(part.Value))
                    {
                        switch (ip.Type)
                        {
                            case CtaIpV4Src or CtaIpV6Src: src = new IPAddress(ip.Value.Span); break;
                            case CtaIpV4Dst or CtaIpV6Dst: dst = new IPAddress(ip.Value.Span); break;
                        }
                    }
                }
                else if (part.Type == CtaTupleProto)
                {
                    foreach (var proto in NetlinkAttribute.ParseAll(part.Value))
                    {
                        switch (proto.Type)
                        {
                            case CtaProtoNum: protocol = proto.AsU8(); break;
                            case CtaProtoSrcPort: sport = BinaryPrimitives.ReadUInt16BigEndian(proto.Value.Span); break;
                            case CtaProtoDstPort: dport = BinaryPrimitives.ReadUInt16BigEndian(proto.Value.Span); break;
                        }
                    }
                }
            }

            return src is null || dst is null ? null : new ConntrackTuple(family, src, dst, protocol, sport, dport);
        }

        return null;
    }
}
