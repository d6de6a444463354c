using LibCni.Kernel;

namespace LibCni.Netlink.Route;

/// <summary>Links: get, list, create, delete, move between namespaces, rename, flags and attributes.</summary>
public sealed partial class RtnlClient
{
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

    /// <summary>Creates a link of a typed kind (macvlan, ipvlan, vlan, dummy...).</summary>
    public void CreateLink(LinkSpec spec) =>
        _client.Execute(RtnlRequests.NewLink(spec), $"RTM_NEWLINK {spec.Kind.Name} {spec.Name}");

    public void DeleteLink(int index) => _client.Execute(RtnlRequests.DeleteLink(index), $"RTM_DELLINK index {index}");

    public void SetMaster(int index, int masterIndex) =>
        _client.Execute(RtnlRequests.SetMaster(index, masterIndex), $"RTM_NEWLINK index {index} master {masterIndex}");

    public void SetMtu(int index, int mtu) => _client.Execute(RtnlRequests.SetMtu(index, mtu), $"RTM_NEWLINK index {index} mtu {mtu}");

    public void SetPromiscuous(int index, bool on) =>
        _client.Execute(RtnlRequests.SetFlag(index, Iff.Promisc, on), $"RTM_NEWLINK index {index} promisc {(on ? "on" : "off")}");

    public void SetAllMulticast(int index, bool on) =>
        _client.Execute(RtnlRequests.SetFlag(index, Iff.AllMulti, on), $"RTM_NEWLINK index {index} allmulticast {(on ? "on" : "off")}");

    public void SetTxQueueLength(int index, int length) =>
        _client.Execute(RtnlRequests.SetTxQueueLength(index, length), $"RTM_NEWLINK index {index} txqueuelen {length}");

    public void SetBridgePort(int index, bool? hairpin, bool? isolated) =>
        _client.Execute(RtnlRequests.SetBridgePort(index, hairpin, isolated), $"RTM_NEWLINK index {index} bridge_slave");

    /// <summary>Moves a link into the netns behind <paramref name="netnsFd"/> (<c>ip link set X netns N</c>).</summary>
    public void SetNetns(int index, int netnsFd) =>
        _client.Execute(RtnlRequests.SetNetns(index, netnsFd), $"RTM_NEWLINK index {index} netns fd {netnsFd}");

    /// <summary>
    /// Moves a link into the netns behind <paramref name="netnsFd"/> and names it <paramref name="name"/> there, in one
    /// request: the name is taken only in the target netns, so it may be one the source netns already uses.
    /// </summary>
    public void MoveToNetns(int index, int netnsFd, string name) =>
        _client.Execute(RtnlRequests.MoveToNetns(index, netnsFd, name), $"RTM_NEWLINK index {index} netns fd {netnsFd} name {name}");

    /// <summary>Renames a link (it must be down), as <c>ip link set X name N</c>.</summary>
    public void Rename(int index, string name) =>
        _client.Execute(RtnlRequests.Rename(index, name), $"RTM_NEWLINK index {index} name {name}");

    /// <summary>Sets a link's alias (<c>ip link set X alias A</c>).</summary>
    public void SetAlias(int index, string alias) =>
        _client.Execute(RtnlRequests.SetAlias(index, alias), $"RTM_NEWLINK index {index} alias {alias}");

    public void SetHardwareAddress(int index, byte[] mac) =>
        _client.Execute(RtnlRequests.SetHardwareAddress(index, mac), $"RTM_NEWLINK index {index} address {LinkInfo.FormatMac(mac)}");
}
