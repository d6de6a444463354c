using System.Buffers.Binary;
using System.Net.Sockets;
using LibCni.Types;

namespace LibCni.Netlink.Route;

/// <summary>
/// Pure builders of the rtnetlink requests the plugins send, laid out attribute by attribute as
/// iproute2 lays them out, so each one is checked byte for byte against a capture of `ip`.
/// </summary>
public static class RtnlRequests
{
    public static NetlinkMessageWriter NewBridge(string name, int mtu, bool vlanFiltering)
    {
        var w = new NetlinkMessageWriter(Rtm.NewLink, Nlmsg.FCreate | Nlmsg.FExcl).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));
        if (mtu > 0)
        {
            w.AttributeU32(Ifla.Mtu, (uint)mtu);
        }

        w.AttributeString(Ifla.IfName, name);
        var info = w.BeginNested(Ifla.LinkInfo, markNested: false);
        w.AttributeString(Ifla.InfoKind, "bridge", nulTerminated: false);
        if (vlanFiltering)
        {
            var data = w.BeginNested(Ifla.InfoData, markNested: false);
            w.AttributeU8(Bridge.IflaBrVlanFiltering, 1);
            w.EndNested(data);
        }

        return w.EndNested(info);
    }

    /// <summary>
    /// A veth pair created in the receiving socket's netns, its peer placed straight into the netns
    /// behind <paramref name="peerNetnsFd"/> (so the peer never exists in the wrong namespace).
    /// </summary>
    public static NetlinkMessageWriter NewVeth(string name, string peerName, int mtu, byte[]? mac, int? peerNetnsFd)
    {
        var w = new NetlinkMessageWriter(Rtm.NewLink, Nlmsg.FCreate | Nlmsg.FExcl).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));
        if (mtu > 0)
        {
            w.AttributeU32(Ifla.Mtu, (uint)mtu);
        }

        if (mac is not null)
        {
            w.Attribute(Ifla.Address, mac);
        }

        w.AttributeString(Ifla.IfName, name);
        var info = w.BeginNested(Ifla.LinkInfo, markNested: false);
        w.AttributeString(Ifla.InfoKind, "veth", nulTerminated: false);
        var data = w.BeginNested(Ifla.InfoData, markNested: false);
        var peer = w.BeginNested(Bridge.VethInfoPeer, markNested: false);
        w.WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));
        if (mtu > 0)
        {
            w.AttributeU32(Ifla.Mtu, (uint)mtu);
        }

        if (peerNetnsFd is { } fd)
        {
            w.AttributeU32(Ifla.NetNsFd, (uint)fd);
        }

        w.AttributeString(Ifla.IfName, peerName);
        w.EndNested(peer);
        w.EndNested(data);
        return w.EndNested(info);
    }

    /// <summary>A link of a typed kind, attributes in iproute2's order (mtu, address, netns, link, name, linkinfo).</summary>
    public static NetlinkMessageWriter NewLink(LinkSpec spec)
    {
        var w = new NetlinkMessageWriter(Rtm.NewLink, Nlmsg.FCreate | Nlmsg.FExcl).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));
        if (spec.Mtu > 0)
        {
            w.AttributeU32(Ifla.Mtu, (uint)spec.Mtu);
        }

        if (spec.Mac is not null)
        {
            w.Attribute(Ifla.Address, spec.Mac);
        }

        if (spec.NetnsFd is { } fd)
        {
            w.AttributeU32(Ifla.NetNsFd, (uint)fd);
        }

        if (spec.ParentIndex > 0)
        {
            w.AttributeU32(Ifla.Link, (uint)spec.ParentIndex);
        }

        w.AttributeString(Ifla.IfName, spec.Name);
        var info = w.BeginNested(Ifla.LinkInfo, markNested: false);
        w.AttributeString(Ifla.InfoKind, spec.Kind.Name, nulTerminated: false);
        if (spec.Kind.HasData)
        {
            var data = w.BeginNested(Ifla.InfoData, markNested: false);
            spec.Kind.WriteData(w);
            w.EndNested(data);
        }

        return w.EndNested(info);
    }

    public static NetlinkMessageWriter DeleteLink(int index) =>
        new NetlinkMessageWriter(Rtm.DelLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, 0, 0));

    public static NetlinkMessageWriter SetMaster(int index, int masterIndex) =>
        SetLinkAttribute(index).AttributeU32(Ifla.Master, (uint)masterIndex);

    public static NetlinkMessageWriter SetMtu(int index, int mtu) =>
        SetLinkAttribute(index).AttributeU32(Ifla.Mtu, (uint)mtu);

    public static NetlinkMessageWriter SetNetns(int index, int netnsFd) =>
        SetLinkAttribute(index).AttributeU32(Ifla.NetNsFd, (uint)netnsFd);

    /// <summary>Moves a link into another netns under a new name in one step (<c>ip link set dev X netns N name Y</c>).</summary>
    public static NetlinkMessageWriter MoveToNetns(int index, int netnsFd, string name) =>
        SetLinkAttribute(index).AttributeU32(Ifla.NetNsFd, (uint)netnsFd).AttributeString(Ifla.IfName, name);

    public static NetlinkMessageWriter Rename(int index, string name) =>
        SetLinkAttribute(index).AttributeString(Ifla.IfName, name);

    public static NetlinkMessageWriter SetAlias(int index, string alias) =>
        SetLinkAttribute(index).AttributeString(Ifla.IfAlias, alias, nulTerminated: false);

    public static NetlinkMessageWriter SetTxQueueLength(int index, int length) =>
        SetLinkAttribute(index).AttributeU32(Ifla.TxQLen, (uint)length);

    public static NetlinkMessageWriter SetHardwareAddress(int index, byte[] mac) =>
        SetLinkAttribute(index).Attribute(Ifla.Address, mac);

    public static NetlinkMessageWriter SetFlag(int index, uint flag, bool on) =>
        new NetlinkMessageWriter(Rtm.NewLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, on ? flag : 0, flag));

    /// <summary>Bridge port flags, as <c>ip link set dev X type bridge_slave hairpin on isolated on</c>.</summary>
    public static NetlinkMessageWriter SetBridgePort(int index, bool? hairpin, bool? isolated)
    {
        var w = SetLinkAttribute(index);
        var info = w.BeginNested(Ifla.LinkInfo, markNested: false);
        w.AttributeString(Ifla.InfoKind, "bridge_slave", nulTerminated: false);
        var data = w.BeginNested(Ifla.InfoSlaveData, markNested: false);
        if (hairpin is { } h)
        {
            w.AttributeU8(Bridge.IflaBrportMode, h ? (byte)1 : (byte)0);
        }

        if (isolated is { } i)
        {
            w.AttributeU8(Bridge.IflaBrportIsolated, i ? (byte)1 : (byte)0);
        }

        w.EndNested(data);
        return w.EndNested(info);
    }

    /// <summary>
    /// Adds (or deletes) VLANs on a bridge port, as <c>bridge vlan add dev X vid A[-B] [pvid] [untagged]</c>.
    /// </summary>
    public static NetlinkMessageWriter BridgeVlan(int index, bool add, int minVid, int maxVid, bool pvid, bool untagged)
    {
        var w = new NetlinkMessageWriter(add ? Rtm.SetLink : Rtm.DelLink, 0).WriteBytes(IfInfoMsg(Bridge.AfBridge, index, 0, 0));
        var spec = w.BeginNested(Bridge.IflaAfSpec, markNested: false);
        ushort flags = 0;
        if (pvid)
        {
            flags |= Bridge.VlanInfoPvid;
        }

        if (untagged)
        {
            flags |= Bridge.VlanInfoUntagged;
        }

        if (minVid == maxVid)
        {
            w.Attribute(Bridge.IflaBridgeVlanInfo, VlanInfo(flags, minVid));
        }
        else
        {
            w.Attribute(Bridge.IflaBridgeVlanInfo, VlanInfo((ushort)(flags | Bridge.VlanInfoRangeBegin), minVid));
            w.Attribute(Bridge.IflaBridgeVlanInfo, VlanInfo((ushort)(flags | Bridge.VlanInfoRangeEnd), maxVid));
        }

        return w.EndNested(spec);
    }

    /// <summary>
    /// An address, as <c>ip addr add A/P [brd +] dev X [nodad]</c>; IPv4 gets the broadcast address filled in
    /// (prefixes shorter than /31), as the reference's netlink library does.
    /// </summary>
    public static NetlinkMessageWriter NewAddress(int index, CidrAddress address, bool noDad)
    {
        var family = address.IsV4 ? AddressFamily.Inet : AddressFamily.Inet6;
        var w = new NetlinkMessageWriter(Rtm.NewAddr, Nlmsg.FCreate | Nlmsg.FExcl)
            .WriteBytes(IfAddrMsg(family, (byte)address.PrefixLength, noDad ? Ifa.FlagNoDad : (byte)0, 0, index));
        var bytes = address.Address.GetAddressBytes();
        w.Attribute(Ifa.Local, bytes);
        w.Attribute(Ifa.Address, bytes);
        if (address.IsV4 && address.PrefixLength < 31)
        {
            w.Attribute(Ifa.Broadcast, IpMath.LastAddress(address).GetAddressBytes());
        }

        return w;
    }

    public static NetlinkMessageWriter DeleteAddress(int index, CidrAddress address)
    {
        var family = address.IsV4 ? AddressFamily.Inet : AddressFamily.Inet6;
        var bytes = address.Address.GetAddressBytes();
        return new NetlinkMessageWriter(Rtm.DelAddr, 0)
            .WriteBytes(IfAddrMsg(family, (byte)address.PrefixLength, 0, 0, index))
            .Attribute(Ifa.Local, bytes)
            .Attribute(Ifa.Address, bytes);
    }

    /// <summary>
    /// A unicast route, as <c>ip route add DST [via GW] dev X proto boot [scope S] [metric M] [mtu N advmss N] [table T]</c>.
    /// Created without EXCL so an identical route already present is not an error (the reference adds ECMP-style).
    /// </summary>
    public static NetlinkMessageWriter NewRoute(RouteSpec route) => RouteMessage(Rtm.NewRoute, Nlmsg.FCreate, route);

    /// <summary>A route that must be new, as <c>ip route add</c> sends it (NLM_F_EXCL).</summary>
    public static NetlinkMessageWriter NewRouteExclusive(RouteSpec route) => RouteMessage(Rtm.NewRoute, Nlmsg.FCreate | Nlmsg.FExcl, route);

    /// <summary>A route that replaces the one to the same destination (or is created), as <c>ip route replace</c>.</summary>
    public static NetlinkMessageWriter ReplaceRoute(RouteSpec route) => RouteMessage(Rtm.NewRoute, Nlmsg.FCreate | Nlmsg.FReplace, route);

    /// <summary>
    /// Deletes the route matching what is given, as <c>ip route del DST [via GW] dev X [table T]</c>: protocol and
    /// type unset and scope RT_SCOPE_NOWHERE, which the kernel reads as "any", so a kernel-made connected route
    /// (proto kernel, scope link) matches.
    /// </summary>
    public static NetlinkMessageWriter DeleteRoute(RouteSpec route) => RouteMessage(Rtm.DelRoute, 0, route);

    /// <summary>The route the kernel would use to reach <paramref name="destination"/>, as <c>ip route get A</c>.</summary>
    public static NetlinkMessageWriter GetRoute(System.Net.IPAddress destination)
    {
        var v4 = destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var header = new byte[12];
        header[0] = v4 ? AddressFamily.Inet : AddressFamily.Inet6;
        header[1] = (byte)(v4 ? 32 : 128);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0x1000); // RTM_F_LOOKUP_TABLE
        return new NetlinkMessageWriter(Rtm.GetRoute, 0).WriteBytes(header).Attribute(Rta.Dst, destination.GetAddressBytes());
    }

    private static NetlinkMessageWriter RouteMessage(ushort type, ushort flags, RouteSpec route)
    {
        var v4 = route.Destination.IsV4;
        var table = route.Table ?? Rta.TableMain;
        var header = new byte[12];
        header[0] = v4 ? AddressFamily.Inet : AddressFamily.Inet6;
        header[1] = (byte)route.Destination.PrefixLength;
        header[4] = table < 256 ? (byte)table : (byte)252; // RT_TABLE_COMPAT when the id needs RTA_TABLE
        var delete = type == Rtm.DelRoute;
        header[5] = delete ? (byte)0 : route.Protocol ?? Rta.ProtocolBoot;
        header[6] = route.Scope ?? (delete ? Rta.ScopeNowhere : Rta.ScopeUniverse);
        header[7] = delete ? (byte)0 : Rta.TypeUnicast;
        var w = new NetlinkMessageWriter(type, flags).WriteBytes(header);
        if (route.Destination.PrefixLength > 0)
        {
            w.Attribute(Rta.Dst, route.Destination.Network.GetAddressBytes());
        }

        if (route.Source is not null)
        {
            w.Attribute(Rta.PrefSrc, route.Source.GetAddressBytes());
        }

        if (route.Gateway is not null)
        {
            w.Attribute(Rta.Gateway, route.Gateway.GetAddressBytes());
        }

        if (route.Priority > 0)
        {
            w.AttributeU32(Rta.Priority, (uint)route.Priority);
        }

        if (route.OutputIndex > 0)
        {
            w.AttributeU32(Rta.Oif, (uint)route.OutputIndex);
        }

        if (route.Mtu > 0 || route.AdvMss > 0)
        {
            var metrics = w.BeginNested(Rta.Metrics, markNested: false);
            if (route.Mtu > 0)
            {
                w.AttributeU32(Rta.MetricMtu, (uint)route.Mtu);
            }

            if (route.AdvMss > 0)
            {
                w.AttributeU32(Rta.MetricAdvMss, (uint)route.AdvMss);
            }

            w.EndNested(metrics);
        }

        if (table >= 256)
        {
            w.AttributeU32(Rta.Table, (uint)table);
        }

        return w;
    }

    /// <summary>A policy rule, as <c>ip rule add [from SRC] [to DST] [iif X] [oif Y] [priority P] table T</c>.</summary>
    public static NetlinkMessageWriter NewRule(RuleSpec rule) => RuleMessage(Rtm.NewRule, Nlmsg.FCreate | Nlmsg.FExcl, rule);

    /// <summary>Deletes the first rule matching what is given, as <c>ip rule del ...</c>.</summary>
    public static NetlinkMessageWriter DeleteRule(RuleSpec rule) => RuleMessage(Rtm.DelRule, 0, rule);

    /// <summary>Every rule of one family, as <c>ip [-6] rule list</c>.</summary>
    public static NetlinkMessageWriter DumpRules(byte family) =>
        new NetlinkMessageWriter(Rtm.GetRule, 0).WriteBytes(new byte[] { family, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });

    private static NetlinkMessageWriter RuleMessage(ushort type, ushort flags, RuleSpec rule)
    {
        // struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags (u32).
        var header = new byte[12];
        header[0] = rule.IsV4 ? AddressFamily.Inet : AddressFamily.Inet6;
        header[1] = (byte)(rule.Destination?.PrefixLength ?? 0);
        header[2] = (byte)(rule.Source?.PrefixLength ?? 0);
        header[4] = rule.Table is > 0 and < 256 ? (byte)rule.Table : (byte)0;
        header[7] = rule.Table > 0 && type == Rtm.NewRule ? Fra.ActionToTable : (byte)0;
        var w = new NetlinkMessageWriter(type, flags).WriteBytes(header);
        if (rule.Source is { } source)
        {
            w.Attribute(Fra.Src, source.Address.GetAddressBytes());
        }

        if (rule.Destination is { } destination)
        {
            w.Attribute(Fra.Dst, destination.Address.GetAddressBytes());
        }

        if (rule.InputInterface is { } iif)
        {
            w.AttributeString(Fra.IifName, iif);
        }

        if (rule.OutputInterface is { } oif)
        {
            w.AttributeString(Fra.OifName, oif);
        }

        if (rule.Priority > 0)
        {
            w.AttributeU32(Fra.Priority, (uint)rule.Priority);
        }

        if (rule.Table >= 256)
        {
            w.AttributeU32(Fra.Table, (uint)rule.Table);
        }

        return w;
    }

    private static NetlinkMessageWriter SetLinkAttribute(int index) =>
        new NetlinkMessageWriter(Rtm.NewLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, 0, 0));

    private static byte[] VlanInfo(ushort flags, int vid)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, flags);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)vid);
        return bytes;
    }

    public static NetlinkMessageWriter GetLink(string name) =>
        new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0)).AttributeString(Ifla.IfName, name);

    public static NetlinkMessageWriter GetLink(int index) =>
        new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, index, 0, 0));

    /// <summary>Every link (the client adds NLM_F_DUMP), as <c>ip link show</c>.</summary>
    public static NetlinkMessageWriter DumpLinks() =>
        new NetlinkMessageWriter(Rtm.GetLink, 0).WriteBytes(IfInfoMsg(AddressFamily.Unspec, 0, 0, 0));

    /// <summary>Addresses of one family (0: all), as <c>ip addr show</c>; the index is a hint the kernel may ignore.</summary>
    public static NetlinkMessageWriter DumpAddresses(byte family, int index) =>
        new NetlinkMessageWriter(Rtm.GetAddr, 0).WriteBytes(IfAddrMsg(family, 0, 0, 0, index));

    /// <summary>Routes of one family in every table, as <c>ip route show table all</c>.</summary>
    public static NetlinkMessageWriter DumpRoutes(byte family) =>
        new NetlinkMessageWriter(Rtm.GetRoute, 0).WriteBytes(new byte[] { family, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });

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

/// <summary>A route to program: destination, optional gateway, device and the 1.1 extras.</summary>
public sealed record RouteSpec
{
    public required CidrAddress Destination { get; init; }

    public System.Net.IPAddress? Gateway { get; init; }

    public int OutputIndex { get; init; }

    public int Priority { get; init; }

    public int? Table { get; init; }

    public byte? Scope { get; init; }

    /// <summary>RTM protocol on add; null is <c>proto boot</c>, what <c>ip route add</c> and the reference's IPAM routes carry.</summary>
    public byte? Protocol { get; init; }

    public int Mtu { get; init; }

    public int AdvMss { get; init; }

    /// <summary>The preferred source address (RTA_PREFSRC, <c>ip route ... src A</c>).</summary>
    public System.Net.IPAddress? Source { get; init; }

    public bool IsV4 => Destination.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
