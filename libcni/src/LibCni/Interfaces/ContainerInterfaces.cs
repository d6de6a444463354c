using LibCni.Types;

namespace LibCni.Interfaces;

/// <summary>A link as a plugin tracks it: name, index in its netns, MAC.</summary>
public sealed record LinkRef(string Name, int Index, string Mac);

/// <summary>
/// What <see cref="IContainerInterfaces.Configure"/> puts on a container interface: the IPAM result's
/// addresses and routes. <paramref name="EnableDad"/> null leaves the kernel's IPv6 DAD settings alone;
/// <paramref name="Announce"/> turns on arp_notify and ndisc_notify so peers learn the new addresses at link up.
/// </summary>
public sealed record InterfaceAddressing(IReadOnlyList<IpConfig100> Ips, IReadOnlyList<Route> Routes, bool? EnableDad = null, bool Announce = false);

/// <summary>A route as CHECK reads it back.</summary>
public sealed record RouteView(CidrAddress Destination, System.Net.IPAddress? Gateway, int OutputIndex = 0, int Table = 254);

/// <summary>A container interface as CHECK finds it, with the main-table routes of its netns.</summary>
public sealed record ContainerLinkState(string Name, int Index, string Mac, string Kind, int PeerIndex, IReadOnlyList<CidrAddress> Addresses, IReadOnlyList<RouteView> Routes)
{
    public bool IsUp { get; init; }

    public int Mtu { get; init; }

    /// <summary>The kind with its data (macvlan mode, vlan id...), for CHECK.</summary>
    public Netlink.Route.LinkKind? Details { get; init; }

    /// <summary>IFLA_IFALIAS (host-device keeps the original host name there).</summary>
    public string? Alias { get; init; }
}

/// <summary>The link a macvlan, ipvlan or vlan is made on, as the plugin looked it up (host or container side).</summary>
public sealed record ParentLink(string Name, int Index, int Mtu);

/// <summary>
/// A link of a typed kind for the container: made on <see cref="Parent"/> (null: none, e.g. dummy), whose ifindex
/// is in the container's netns when <see cref="ParentInContainer"/>, else in the host's.
/// </summary>
public sealed record ChildLinkRequest(Netlink.Route.LinkKind Kind, ParentLink? Parent, bool ParentInContainer = false)
{
    public int Mtu { get; init; }

    public byte[]? Mac { get; init; }
}

/// <summary>A host-side link as CHECK finds it.</summary>
public sealed record HostLinkState(string Name, int Index, string Mac, string? Kind, int MasterIndex, int PeerIndex, bool Promiscuous);

/// <summary>
/// The container-interface work every main plugin shares (the reference's <c>pkg/ip</c> and
/// <c>ipam.ConfigureIface</c>): a veth into the container, addresses and routes from an IPAM result,
/// deleting a link and learning its addresses, reading it back for CHECK, and forwarding on the host.
/// Host-side calls act in the plugin's own netns; container-side calls take the netns path and throw
/// <see cref="Kernel.NetnsNotFoundException"/> when it is gone.
/// </summary>
public interface IContainerInterfaces
{
    /// <summary>Creates the veth: <paramref name="ifName"/> (left down) in the container, a random vethXXXXXXXX peer on the host, up.</summary>
    (LinkRef Host, LinkRef Container) CreateVeth(string netns, string ifName, int mtu, byte[]? mac);

    /// <summary>
    /// Creates a link of the request's kind under a temporary name (<c>veth</c> + 8 hex) straight in the container's
    /// netns and renames it <paramref name="ifName"/> there, as the reference does, so it never meets a host name;
    /// left down. A failed rename deletes it. Errors: <c>failed to create KIND: ...</c>, <c>failed to rename KIND to "IF": ...</c>.
    /// </summary>
    LinkRef CreateChildLink(string netns, string ifName, ChildLinkRequest request);

    /// <summary>A parent link by name, in the host's netns or, with <paramref name="netns"/>, the container's; null when missing.</summary>
    ParentLink? FindParent(string name, string? netns = null);

    /// <summary>The interface of the first default route (IPv4, then IPv6) of the main table, host or container side; null when none.</summary>
    string? DefaultRouteInterface(string? netns = null);

    /// <summary>Removes a host link (rollback). Missing is fine.</summary>
    void DeleteHostLink(string name);

    /// <summary>Addresses, link up, the DAD wait and routes for the container interface, as the reference's ConfigureIface.</summary>
    void Configure(string netns, string ifName, InterfaceAddressing addressing);

    void SetLinkUp(string netns, string ifName);

    /// <summary>Deletes the container interface; a missing one is success.</summary>
    void DeleteLink(string netns, string ifName);

    /// <summary>The container interface, or null when it is missing.</summary>
    ContainerLinkState? Inspect(string netns, string ifName);

    HostLinkState? InspectHostLink(string name);

    LinkRef GetHostLink(string name);

    /// <summary>Waits (about 2.6 s at most) for a host link to be operationally up and returns it refreshed.</summary>
    LinkRef WaitHostLinkUp(string name, string what);

    /// <summary>ip_forward and/or IPv6 forwarding on in the host netns, written only when not already 1.</summary>
    void EnableForwarding(bool ipv4, bool ipv6);
}
