using System.Buffers.Binary;
using System.Net;
using LibCni.Types;

namespace LibCni.Netlink.Route;

/// <summary>A route from an RTM_NEWROUTE dump.</summary>
public sealed record RouteInfo(CidrAddress Destination, IPAddress? Gateway, int OutputIndex, int Table, byte Scope, byte Protocol, byte Type, int Priority, int Mtu, int AdvMss)
{
    /// <summary>RTA_PREFSRC: the source hint (<c>src A</c>), which the kernel sets on IPv4 connected routes.</summary>
    public IPAddress? PreferredSource { get; init; }

    /// <summary>
    /// This route as a request for another table (sbr and vrf move an interface's routes so): destination, gateway,
    /// device, metric, scope, protocol, source hint and metrics kept, as a route read back and re-added with
    /// another table is.
    /// </summary>
    public RouteSpec InTable(int table) => new()
    {
        Destination = Destination,
        Gateway = Gateway,
        OutputIndex = OutputIndex,
        Priority = Priority,
        Table = table,
        Scope = Scope,
        Protocol = Protocol,
        Mtu = Mtu,
        AdvMss = AdvMss,
        Source = PreferredSource,
    };

    /// <summary>This route as a delete request that matches exactly it (metric and table included).</summary>
    public RouteSpec ToDeleteRequest() => new()
    {
        Destination = Destination,
        Gateway = Gateway,
        OutputIndex = OutputIndex,
        Priority = Priority,
        Table = Table,
    };

    public static RouteInfo Parse(NetlinkMessage message)
    {
        var span = message.Payload.Span;
        if (span.Length < 12)
        {
            throw new InvalidDataException("truncated rtmsg");
        }

        var family = span[0];
        var dstLength = span[1];
        int table = span[4];
        var protocol = span[5];
        var scope = span[6];
        var type = span[7];
        IPAddress? dst = null, gateway = null, preferredSource = null;
        int oif = 0, priority = 0, mtu = 0, advmss = 0;
        foreach (var attribute in NetlinkAttribute.ParseAll(message.Payload[12..]))
        {
            switch (attribute.Type)
            {
                case Rta.Dst: dst = new IPAddress(attribute.Value.Span); break;
                case Rta.Gateway: gateway = new IPAddress(attribute.Value.Span); break;
                case Rta.PrefSrc: preferredSource = new IPAddress(attribute.Value.Span); break;
                case Rta.Oif: oif = (int)attribute.AsU32(); break;
                case Rta.Priority: priority = (int)attribute.AsU32(); break;
                case Rta.Table: table = (int)attribute.AsU32(); break;
                case Rta.Metrics:
                    foreach (var metric in NetlinkAttribute.ParseAll(attribute.Value))
                    {
                        if (metric.Type == Rta.MetricMtu)
                        {
                            mtu = (int)metric.AsU32();
                        }
                        else if (metric.Type == Rta.MetricAdvMss)
                        {
                            advmss = (int)metric.AsU32();
                        }
                    }

                    break;
            }
        }

        dst ??= family == AddressFamily.Inet ? IPAddress.Any : IPAddress.IPv6Any;
        return new RouteInfo(new CidrAddress(dst, dstLength), gateway, oif, table, scope, protocol, type, priority, mtu, advmss) { PreferredSource = preferredSource };
    }

    public static int ReadTable(ReadOnlySpan<byte> rtmsg) => rtmsg[4];

    internal static uint U32(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt32LittleEndian(bytes);
}
