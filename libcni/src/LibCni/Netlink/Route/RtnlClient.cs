using System.Buffers.Binary;

namespace LibCni.Netlink.Route;

/// <summary>Link and address operations over rtnetlink. Knows messages, not sockets.</summary>
public sealed class RtnlClient : IDisposable
{
    private readonly NetlinkClient _client;

    public RtnlClient(NetlinkClient client) => _client = client;

    public NetlinkClient Netlink => _client;

    /// <summary>The link named <paramref name="name"/>, or null when there is none.</summary>
    public LinkInfo? GetLink(string name)
    {
        var request = new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));
        request.AttributeString(Ifla.IfName, name);
        try
        {
            var replies = _client.Execute(request, $"RTM_GETLINK {name}");
            return replies.Where(r => r.Type == Rtm.NewLink).Select(LinkInfo.Parse).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == Interop.Libc.ENODEV)
        {
            return null;
        }
    }

    public LinkInfo? GetLink(int index)
    {
        var request = new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, 0, 0));
        try
        {
            var replies = _client.Execute(request, $"RTM_GETLINK index {index}");
            return replies.Where(r => r.Type == Rtm.NewLink).Select(LinkInfo.Parse).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == Interop.Libc.ENODEV)
        {
            return null;
        }
    }

    public List<LinkInfo> ListLinks() =>
        _client.Dump(() => new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0)), "RTM_GETLINK dump")
            .Where(m => m.Type == Rtm.NewLink)
            .Select(LinkInfo.Parse)
            .ToList();

    /// <summary>Sets IFF_UP on or off (what <c>ip link set dev X up|down</c> sends).</summary>
    public void SetLinkUp(int index, bool up)
    {
        var request = new NetlinkMessageWriter(Rtm.NewLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, up ? Iff.Up : 0, Iff.Up));
        _client.Execute(request, $"RTM_NEWLINK index {index} {(up ? "up" : "down")}");
    }

    /// <summary>Addresses of one family (or all), optionally of one link.</summary>
    public List<AddressInfo> ListAddresses(byte family = AddressFamily.Unspec, int? index = null) =>
        _client.Dump(() => new NetlinkMessageWriter(Rtm.GetAddr, 0).WriteBytes(IfAddrMsg(family, 0, 0, 0, index ?? 0)), "RTM_GETADDR dump")
            .Where(m => m.Type == Rtm.NewAddr)
            .Select(AddressInfo.Parse)
            .Where(a => index is null || a.Index == index)
            .ToList();

    public void Dispose() => _client.Dispose();

    public static byte[] IfInfoMsg(byte family, int index, uint flags, uint change)
    {
        var bytes = new byte[16];
        bytes[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), change);
        return bytes;
    }

    public static byte[] IfAddrMsg(byte family, byte prefixLength, byte flags, byte scope, int index)
    {
        var bytes = new byte[8];
        bytes[0] = family;
        bytes[1] = prefixLength;
        bytes[2] = flags;
        bytes[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), index);
        return bytes;
    }
}
