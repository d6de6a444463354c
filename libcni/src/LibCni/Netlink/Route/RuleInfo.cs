using System.Net;
using LibCni.Types;

namespace LibCni.Netlink.Route;

/// <summary>
/// A policy-routing rule, as <c>ip rule</c> writes one: <c>[from SRC] [to DST] [iif X] [oif Y] [priority P] table T</c>.
/// Used to add and delete (sbr's per-address rules) and as what a RTM_GETRULE dump returns.
/// </summary>
public sealed record RuleSpec
{
    public bool IsV4 { get; init; } = true;

    public CidrAddress? Source { get; init; }

    public CidrAddress? Destination { get; init; }

    public string? InputInterface { get; init; }

    public string? OutputInterface { get; init; }

    /// <summary>0: unset (the kernel picks one below the last rule on add; any on delete).</summary>
    public int Priority { get; init; }

    public int Table { get; init; }

    public static RuleSpec Parse(NetlinkMessage message)
    {
        var span = message.Payload.Span;
        if (span.Length < 12)
        {
            throw new InvalidDataException("truncated fib_rule_hdr");
        }

        var family = span[0];
        var dstLength = span[1];
        var srcLength = span[2];
        int table = span[4];
        CidrAddress? source = null, destination = null;
        string? iif = null, oif = null;
        var priority = 0;
        foreach (var attribute in NetlinkAttribute.ParseAll(message.Payload[12..]))
        {
            switch (attribute.Type)
            {
                case Fra.Src: source = new CidrAddress(new IPAddress(attribute.Value.Span), srcLength); break;
                case Fra.Dst: destination = new CidrAddress(new IPAddress(attribute.Value.Span), dstLength); break;
                case Fra.IifName: iif = attribute.AsString(); break;
                case Fra.OifName: oif = attribute.AsString(); break;
                case Fra.Priority: priority = (int)attribute.AsU32(); break;
                case Fra.Table: table = (int)attribute.AsU32(); break;
            }
        }

        return new RuleSpec
        {
            IsV4 = family == AddressFamily.Inet,
            Source = source,
            Destination = destination,
            InputInterface = iif,
            OutputInterface = oif,
            Priority = priority,
            Table = table,
        };
    }
}
