using System.Buffers.Binary;
using LibCni.Kernel;

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
        try
        {
            var replies = _client.Execute(RtnlRequests.GetLink(name), $"RTM_GETLINK {name}");
            return replies.Where(r => r.Type == Rtm.NewLink).Select(LinkInfo.Parse).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public LinkInfo? GetLink(int index)
    {
        try
        {
            var replies = _client.Execute(RtnlRequests.GetLink(index), $"RTM_GETLINK index {index}");
            return replies.Where(r => r.Type == Rtm.NewLink).Select(LinkInfo.Parse).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public List<LinkInfo> ListLinks() =>
        _client.Dump(RtnlRequests.DumpLinks, "RTM_GETLINK dump")
            .Where(m => m.Type == Rtm.NewLink)
            .Select(LinkInfo.Parse)
            .ToList();

    /// <summary>Sets IFF_UP on or off (what <c>ip link set dev X up|down</c> sends).</summary>
    public void SetLinkUp(int index, bool up)
    {
        _client.Execute(RtnlRequests.SetFlag(index, Iff.Up, up), $"RTM_NEWLINK index {index} {(up ? "up" : "down")}");
    }

    /// <summary>Addresses of one family (or all), optionally of one link.</summary>
    public List<AddressInfo> ListAddresses(byte family = AddressFamily.Unspec, int? index = null) =>
        _client.Dump(() => RtnlRequests.DumpAddresses(family, index ?? 0), "RTM_GETADDR dump")
            .Where(m => m.Type == Rtm.NewAddr)
            .Select(AddressInfo.Parse)
            .Where(a => index is null || a.Index == index)
            .ToList();

    /// <summary>
    /// Creates a bridge, or returns the existing one: several ADDs may race to create the same bridge,
    /// so EEXIST means "someone else made it" as long as what exists is a bridge.
    /// </summary>
    public LinkInfo EnsureBridge(string name, int mtu, bool vlanFiltering)
    {
        var existing = GetLink(name);
        if (existing is null)
        {
            try
            {
                _client.Execute(RtnlRequests.NewBridge(name, mtu, vlanFiltering), $"RTM_NEWLINK bridge {name}");
            }
            catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
            {
                // Lost the race to another ADD; fall through and use theirs.
            }

            existing = GetLink(name) ?? throw new NetlinkException(Errno.ENODEV, $"RTM_GETLINK {name}", "bridge vanished right after creation");
        }

        if (existing.Kind != "bridge")
        {
            throw new InvalidOperationException($"\"{name}\" already exists but is not a bridge");
        }

        return existing;
    }

    /// <summary>Creates a veth pair here with its peer placed directly into the netns behind <paramref name="peerNetnsFd"/>.</summary>
    public void CreateVethPair(string name, string peerName, int mtu, byte[]? mac, int peerNetnsFd) =>
        _client.Execute(RtnlRequests.NewVeth(name, peerName, mtu, mac, peerNetnsFd), $"RTM_NEWLINK veth {name} peer {peerName}");

    public void DeleteLink(int index) => _client.Execute(RtnlRequests.DeleteLink(index), $"RTM_DELLINK index {index}");

    public void SetMaster(int index, int masterIndex) =>
        _client.Execute(RtnlRequests.SetMaster(index, masterIndex), $"RTM_NEWLINK index {index} master {masterIndex}");

    public void SetMtu(int index, int mtu) => _client.Execute(RtnlRequests.SetMtu(index, mtu), $"RTM_NEWLINK index {index} mtu {mtu}");

    public void SetHardwareAddress(int index, byte[] mac) =>
        _client.Execute(RtnlRequests.SetHardwareAddress(index, mac), $"RTM_NEWLINK index {index} address {LinkInfo.FormatMac(mac)}");

    public void SetPromiscuous(int index, bool on) =>
        _client.Execute(RtnlRequests.SetFlag(index, Iff.Promisc, on), $"RTM_NEWLINK index {index} promisc {(on ? "on" : "off")}");

    public void SetAllMulticast(int index, bool on) =>
        _client.Execute(RtnlRequests.SetFlag(index, Iff.AllMulti, on), $"RTM_NEWLINK index {index} allmulticast {(on ? "on" : "off")}");

    public void SetTxQueueLength(int index, int length) =>
        _client.Execute(RtnlRequests.SetTxQueueLength(index, length), $"RTM_NEWLINK index {index} txqueuelen {length}");

    public void SetBridgePort(int index, bool? hairpin, bool? isolated) =>
        _client.Execute(RtnlRequests.SetBridgePort(index, hairpin, isolated), $"RTM_NEWLINK index {index} bridge_slave");

    public void AddAddress(int index, Types.CidrAddress address, bool noDad) =>
        _client.Execute(RtnlRequests.NewAddress(index, address, noDad), $"RTM_NEWADDR {address} index {index}");

    public void DeleteAddress(int index, Types.CidrAddress address) =>
        _client.Execute(RtnlRequests.DeleteAddress(index, address), $"RTM_DELADDR {address} index {index}");

    /// <summary>Adds a route; one already present is fine (ADD may be retried after a partial failure).</summary>
    public void AddRoute(RouteSpec route)
    {
        try
        {
            _client.Execute(RtnlRequests.NewRoute(route), $"RTM_NEWROUTE {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")}");
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
        {
        }
    }

    /// <summary>The route to <paramref name="destination"/> the kernel picks, or null when it is unreachable.</summary>
    public RouteInfo? GetRoute(System.Net.IPAddress destination)
    {
        try
        {
            return _client.Execute(RtnlRequests.GetRoute(destination), $"RTM_GETROUTE {destination}")
                .Where(m => m.Type == Rtm.NewRoute).Select(RouteInfo.Parse).FirstOrDefault();
        }
        catch (NetlinkException e) when (e.Errno is Errno.ENETUNREACH or Errno.EHOSTUNREACH or Errno.EINVAL)
        {
            return null;
        }
    }

    /// <summary>The routes of one table (or every table), optionally of one output interface.</summary>
    public List<RouteInfo> ListRoutes(byte family, int? table, int? outputIndex = null) =>
        ListRoutes(family).Where(r => (table is null || r.Table == table) && (outputIndex is null || r.OutputIndex == outputIndex)).ToList();

    public List<RouteInfo> ListRoutes(byte family) =>
        _client.Dump(() => RtnlRequests.DumpRoutes(family), "RTM_GETROUTE dump")
            .Where(m => m.Type == Rtm.NewRoute)
            .Select(RouteInfo.Parse)
            .ToList();

    /// <summary>Replaces the route to the same destination, or creates it.</summary>
    public void ReplaceRoute(RouteSpec route) =>
        _client.Execute(RtnlRequests.ReplaceRoute(route), $"RTM_NEWROUTE replace {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")}");

    /// <summary>Deletes a route; one already gone is fine (ESRCH).</summary>
    public void DeleteRoute(RouteSpec route)
    {
        try
        {
            _client.Execute(RtnlRequests.DeleteRoute(route), $"RTM_DELROUTE {route.Destination}");
        }
        catch (NetlinkException e) when (e.Errno == Errno.ESRCH)
        {
        }
    }

    public void AddRule(RuleSpec rule) =>
        _client.Execute(RtnlRequests.NewRule(rule), $"RTM_NEWRULE {rule.Source?.ToString() ?? "all"} table {rule.Table}");

    /// <summary>Deletes a rule; one already gone is fine (ENOENT).</summary>
    public void DeleteRule(RuleSpec rule)
    {
        try
        {
            _client.Execute(RtnlRequests.DeleteRule(rule), $"RTM_DELRULE {rule.Source?.ToString() ?? "all"} table {rule.Table}");
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
        }
    }

    public List<RuleSpec> ListRules(byte family) =>
        _client.Dump(() => RtnlRequests.DumpRules(family), "RTM_GETRULE dump")
            .Where(m => m.Type == Rtm.NewRule)
            .Select(RuleSpec.Parse)
            .ToList();

    /// <summary>Moves a link into the netns behind <paramref name="netnsFd"/> (<c>ip link set X netns N</c>).</summary>
    public void SetNetns(int index, int netnsFd) =>
        _client.Execute(RtnlRequests.SetNetns(index, netnsFd), $"RTM_NEWLINK index {index} netns fd {netnsFd}");

    /// <summary>Renames a link (it must be down), as <c>ip link set X name N</c>.</summary>
    public void Rename(int index, string name) =>
        _client.Execute(RtnlRequests.Rename(index, name), $"RTM_NEWLINK index {index} name {name}");

    /// <summary>Sets a link's alias (<c>ip link set X alias A</c>).</summary>
    public void SetAlias(int index, string alias) =>
        _client.Execute(RtnlRequests.SetAlias(index, alias), $"RTM_NEWLINK index {index} alias {alias}");

    public void Dispose() => _client.Dispose();
}
