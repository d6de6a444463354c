namespace LibCni.Netlink.Route;

/// <summary>
/// rtnetlink operations by object (RtnlClient.Links.cs, .Addresses.cs, .Routes.cs, .Rules.cs), each sending a request
/// built by <see cref="RtnlRequests"/>. Knows messages, not sockets.
/// </summary>
public sealed partial class RtnlClient : IDisposable
{
    private readonly NetlinkClient _client;

    public RtnlClient(NetlinkClient client) => _client = client;

    public NetlinkClient Netlink => _client;

    public void Dispose() => _client.Dispose();
}
