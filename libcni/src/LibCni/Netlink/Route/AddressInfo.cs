using System.Net;
using LibCni.Types;

namespace LibCni.Netlink.Route;

/// <summary>An interface address from RTM_NEWADDR.</summary>
public sealed record AddressInfo(int Index, byte Family, CidrAddress Address, byte Scope, uint Flags, string? Label)
{
    public static AddressInfo Parse(NetlinkMessage message)
    {
        var span = message.Payload.Span;
        if (span.Length < 8)
        {
            throw new InvalidDataException("truncated ifaddrmsg");
        }

        var family = span[0];
        var prefix = span[1];
        uint flags = span[2];
        var scope = span[3];
        var index = BitConverter.ToInt32(span[4..8]);
        IPAddress? address = null, local = null;
        string? label = null;
        foreach (var attribute in NetlinkAttribute.ParseAll(message.Payload[8..]))
        {
            switch (attribute.Type)
            {
                case Ifa.Address: address = new IPAddress(attribute.Value.Span); break;
                case Ifa.Local: local = new IPAddress(attribute.Value.Span); break;
                case Ifa.Label: label = attribute.AsString(); break;
                case Ifa.Flags: flags = attribute.AsU32(); break;
            }
        }

        // IFA_LOCAL is the interface's own address on point-to-point links; IFA_ADDRESS otherwise.
        var own = local ?? address ?? throw new InvalidDataException("RTM_NEWADDR without an address");
        return new AddressInfo(index, family, new CidrAddress(own, prefix), scope, flags, label);
    }
}
