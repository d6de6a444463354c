using LibCni.Json;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.Types;

namespace LibCni.Interfaces;

/// <summary>
/// What the plugins that put one link in the container (macvlan, ipvlan, vlan, dummy, host-device, tap) do around
/// it, as the reference does: addresses from IPAM on interface 0, DEL of IPAM and the link, and CHECK's reading of
/// the link against prevResult.
/// </summary>
public static class ContainerLinkAttachment
{
    /// <summary>
    /// The master of a macvlan, ipvlan or vlan: <paramref name="master"/>, or when empty the interface of the default
    /// route, looked up in the host's netns or, with <paramref name="inContainer"/>, the container's.
    /// <paramref name="mtu"/>, when given, must be 0 up to the master's MTU.
    /// </summary>
    public static ParentLink ResolveParent(IContainerInterfaces links, string? master, CmdArgs args, bool inContainer, int? mtu)
    {
        var netns = inContainer ? args.Netns : null;
        var name = string.IsNullOrEmpty(master)
            ? links.DefaultRouteInterface(netns) ?? throw new CniException(CniErrorCode.Internal, "no default route interface found",
                $"no \"master\" given and no default route {(inContainer ? "in the container" : "on the host")}")
            : master;
        var parent = links.FindParent(name, netns) ?? throw new CniException(CniErrorCode.Internal, $"failed to lookup master \"{name}\": Link not found",
            inContainer ? $"in {args.Netns} (linkInContainer)" : "in the host netns");
        if (mtu is { } value && (value < 0 || value > parent.Mtu))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MTU {value}, must be [0, master MTU({parent.Mtu})]", $"mtu {value}, master \"{name}\"");
        }

        return parent;
    }

    /// <summary>
    /// IPAM ADD (released again if a later step fails), every address on interface 0 (<paramref name="link"/>), then
    /// addresses, link up and routes in the container. <paramref name="announce"/>: arp_notify and ndisc_notify first.
    /// </summary>
    public static Result100 AddressFromIpam(IContainerInterfaces links, IDelegatePlugin ipam, CmdArgs args, LinkRef link, string ipamType, Rollback undo, bool announce)
    {
        var result = ResultConverter.ToResult100(ipam.Add(ipamType, args));
        undo.Push($"IPAM DEL via {ipamType}", () => ipam.Del(ipamType, args));
        if ((result.Ips ?? []).Count == 0)
        {
            throw new CniException(CniErrorCode.Internal, "IPAM plugin returned missing IP config", $"ipam type \"{ipamType}\"");
        }

        return Apply(links, args, link, result, announce);
    }

    /// <summary>The addresses and routes of <paramref name="result"/> (IPAM's, or a prevResult's) on the link, as interface 0.</summary>
    public static Result100 Apply(IContainerInterfaces links, CmdArgs args, LinkRef link, Result100 result, bool announce)
    {
        var ips = result.Ips ?? [];
        foreach (var ip in ips)
        {
            ip.Interface = 0;
        }

        result.Interfaces = [Entry(link, args)];
        result.Routes ??= [];
        links.Configure(args.Netns, args.IfName, new InterfaceAddressing(ips, result.Routes, Announce: announce));
        return result;
    }

    /// <summary>No IPAM: the link up, and a result with the interface alone.</summary>
    public static Result100 Layer2(IContainerInterfaces links, CmdArgs args, LinkRef link)
    {
        links.SetLinkUp(args.Netns, args.IfName);
        return new Result100 { Interfaces = [Entry(link, args)] };
    }

    public static Interface100 Entry(LinkRef link, CmdArgs args) => new() { Name = link.Name, Mac = link.Mac, Sandbox = args.Netns };

    /// <summary>IPAM DEL, then (or beside, see <see cref="DeleteBeside"/>) the container link; no netns, a gone netns or link is success.</summary>
    public static void Delete(IContainerInterfaces links, IDelegatePlugin ipam, CmdArgs args, string? ipamType) =>
        DeleteBeside(() =>
            {
                if (args.Netns.Length == 0)
                {
                    return;
                }

                try
                {
                    links.DeleteLink(args.Netns, args.IfName);
                }
                catch (NetnsNotFoundException)
                {
                    // The runtime removed the namespace, and the link with it.
                }
            },
            ipam, args, ipamType);

    /// <summary>
    /// The IPAM plugins whose DEL needs nothing of the container's interface (they release from a store of their
    /// own). Any other may: dhcp sends its DHCPRELEASE through it, and an unknown plugin is treated the same.
    /// </summary>
    public static bool ReleasesWithoutTheLink(string? ipamType) => ipamType is "host-local" or "static";

    /// <summary>
    /// A DEL's parts: <paramref name="deleteLink"/> on this thread, <paramref name="others"/> beside it, and IPAM DEL
    /// beside it too when <see cref="ReleasesWithoutTheLink"/> (RTM_DELLINK or a netns move blocks about as long as an
    /// IPAM exec takes), else first, as the reference orders it. IPAM's failure is reported first.
    /// </summary>
    public static void DeleteBeside(Action deleteLink, IDelegatePlugin ipam, CmdArgs args, string? ipamType, params (string Name, Action? Work)[] others)
    {
        if (string.IsNullOrEmpty(ipamType))
        {
            SideThread.RunBeside(deleteLink, others);
        }
        else if (ReleasesWithoutTheLink(ipamType))
        {
            SideThread.RunBeside(deleteLink, [("ipam-del", () => ipam.Del(ipamType, args)), .. others]);
        }
        else
        {
            ipam.Del(ipamType, args);
            SideThread.RunBeside(deleteLink, others);
        }
    }

    /// <summary>GC goes to IPAM when there is one: the reference's plugins have none, and their links die with the netns.</summary>
    public static void Gc(IDelegatePlugin ipam, string? ipamType, CmdArgs args)
    {
        if (!string.IsNullOrEmpty(ipamType))
        {
            ipam.Gc(ipamType, args);
        }
    }

    /// <summary>STATUS is IPAM's when there is one; without, the plugin is ready.</summary>
    public static void Status(IDelegatePlugin ipam, string? ipamType, CmdArgs args)
    {
        if (!string.IsNullOrEmpty(ipamType))
        {
            ipam.Status(ipamType, args);
        }
    }

    /// <summary>prevResult as a 1.0.0 result, or the plugin's "prevResult missing" error.</summary>
    public static Result100 PrevResult(System.Text.Json.JsonElement? prevResult, CmdArgs args, CheckTexts texts) =>
        prevResult is { } prev
            ? ResultConverter.ToResult100(CniJson.ParsePrevResult(prev, args.ConfigVersion))
            : throw new CniException(CniErrorCode.InvalidNetworkConfig, texts.PrevResultMissing);

    /// <summary>
    /// The prevResult interface named CNI_IFNAME in CNI_NETNS, read back: present, of the plugin's kind, with
    /// prevResult's MAC. Returns it for the plugin's own checks, which come before <see cref="CheckAddressing"/>.
    /// </summary>
    public static ContainerLinkState CheckInterface(IContainerInterfaces links, CmdArgs args, Result100 prev, CheckTexts texts)
    {
        var entry = (prev.Interfaces ?? []).LastOrDefault(i => i.Name == args.IfName && i.Sandbox == args.Netns);
        if (entry is null)
        {
            throw Fail(texts.Text($"Sandbox in prevResult  doesn't match configured netns: {args.Netns}"));
        }

        var link = links.Inspect(args.Netns, entry.Name) ?? throw Fail(texts.Text($"{texts.Prefix}Container Interface name in prevResult: {entry.Name} not found"));
        if (texts.Kind is { } kind && link.Kind != kind)
        {
            throw Fail(texts.Text($"Error: Container interface {link.Name} not of type {kind}"));
        }

        if (!string.IsNullOrEmpty(entry.Mac) && !string.Equals(entry.Mac, link.Mac, StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(texts.Text($"{texts.Prefix}Interface {entry.Name} Mac {entry.Mac} doesn't match container Mac: {link.Mac}"));
        }

        return link;
    }

    /// <summary>Beyond the reference: the link is still on the master the config names (IFLA_LINK is the parent's ifindex).</summary>
    public static void CheckParent(ContainerLinkState link, ParentLink parent, string what)
    {
        if (link.PeerIndex != parent.Index)
        {
            throw Fail($"{what} {link.Name} is not on master \"{parent.Name}\" (ifindex {parent.Index}), its parent is ifindex {link.PeerIndex}");
        }
    }

    /// <summary>prevResult's addresses and (unless <paramref name="routes"/> is false, as for dummy) routes are in place.</summary>
    public static void CheckAddressing(CmdArgs args, Result100 prev, ContainerLinkState link, bool routes = true)
    {
        InterfaceValidators.ExpectAddresses(args.IfName, prev.Ips ?? [], link);
        if (routes)
        {
            InterfaceValidators.ExpectRoutes(prev.Routes ?? [], link);
        }
    }

    public static CniException Fail(string message) => new(CniErrorCode.Internal, message);
}

/// <summary>
/// A plugin's wording of the shared CHECK errors: the reference's plugins differ in prefix and capitals
/// (macvlan lower-cases every first letter, vlan prefixes "vlan: ", host-device checks no kind).
/// </summary>
public sealed record CheckTexts(string? Kind, string PrevResultMissing)
{
    /// <summary>Put before the not-found and MAC texts.</summary>
    public string Prefix { get; init; } = "";

    public bool LowerCase { get; init; }

    public string Text(string message) => LowerCase && message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : message;
}
