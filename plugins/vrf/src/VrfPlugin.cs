using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Vrf;

/// <summary>
/// The vrf plugin, chained after the plugin that made the interface: puts it in a VRF of the container (made on
/// first use, with the configured table or the first one no VRF there uses), keeps its IPv6 addresses and moves
/// its gateway routes into the VRF's table; DEL releases it and removes the VRF with its last interface.
/// </summary>
public sealed class VrfPlugin(INetnsRoutingOpener opener) : ICniPlugin
{
    public static readonly IReadOnlyList<string> SupportedVersions = ["0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    private const int AddressWaitPolls = 9;

    public static VrfPlugin CreateDefault() => new(KernelNetnsRouting.Opener);

    /// <summary>Sleeps between the polls for a restored IPv6 address's local route; tests shorten it.</summary>
    internal Action<TimeSpan> Sleep { get; init; } = Thread.Sleep;

    public ICniResult Add(CmdArgs args)
    {
        var config = VrfConfig.Parse(args.StdinData, args.ConfigVersion);
        var prevResult = config.PrevResult ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing prevResult from earlier plugin");
        using var netns = Open(args.Netns, "cmdAdd failed");
        try
        {
            Rollback.Run("vrf", args.Log, undo =>
            {
                var (vrf, table) = FindOrCreate(netns, config, undo);
                Enslave(netns, vrf, table, args.IfName, undo);
                return true;
            });
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, $"cmdAdd failed: {e.Message}");
        }
        catch (CniException e) when (!e.Message.StartsWith("cmdAdd failed", StringComparison.Ordinal))
        {
            throw new CniException(e.Code, $"cmdAdd failed: {e.Message}", e.Details);
        }

        return prevResult;
    }

    /// <summary>Releases the interface; the VRF goes with its last one. Succeeds when the netns, the VRF or the interface is gone.</summary>
    public void Del(CmdArgs args)
    {
        var config = VrfConfig.Parse(args.StdinData, args.ConfigVersion);
        if (args.Netns.Length == 0)
        {
            return;
        }

        INetnsRouting netns;
        try
        {
            netns = opener.Open(args.Netns, lockNetnsFile: false);
        }
        catch (NetnsNotFoundException)
        {
            return;
        }

        using (netns)
        {
            if (netns.GetLink(config.VrfName) is not { } vrf)
            {
                return;
            }

            RequireVrf(vrf);
            if (netns.GetLink(args.IfName) is { } port && port.MasterIndex == vrf.Index)
            {
                KernelCall.Run(() => netns.SetMaster(port.Index, 0), $"resetMaster: could reset master to {args.IfName}");
            }

            if (!netns.ListLinks().Any(l => l.MasterIndex == vrf.Index))
            {
                KernelCall.Run(() => netns.DeleteLink(vrf.Index), $"could not delete VRF {config.VrfName}");
            }
        }
    }

    public void Check(CmdArgs args)
    {
        var config = VrfConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing prevResult from earlier plugin");
        }

        using var netns = Open(args.Netns, "CHECK");
        var vrf = netns.GetLink(config.VrfName) ?? throw new CniException(CniErrorCode.Internal, "Link not found", $"no VRF named {config.VrfName}");
        RequireVrf(vrf);
        if (config.Table != 0 && TableOf(vrf) != (int)config.Table)
        {
            throw new CniException(CniErrorCode.Internal, $"VRF {config.VrfName} has routing table {TableOf(vrf)}, configured {config.Table}");
        }

        if (!netns.ListLinks().Any(l => l.MasterIndex == vrf.Index && l.Name == args.IfName))
        {
            throw new CniException(CniErrorCode.Internal, $"failed to find {args.IfName} associated to vrf {config.VrfName}");
        }
    }

    /// <summary>The lowest table id from 1 that no VRF of the netns uses (other tables and rules are not consulted, as the reference).</summary>
    internal static int FreeTable(IEnumerable<LinkInfo> links)
    {
        var used = links.Select(l => l.Details).OfType<VrfKind>().Select(k => k.Table).ToHashSet();
        var table = 1;
        while (used.Contains(table))
        {
            table++;
        }

        return table;
    }

    /// <summary>What enslaving drops and the plugin puts back: the port's main-table routes of universe scope (gateway and IPAM routes).</summary>
    internal static IReadOnlyList<RouteInfo> RoutesToMove(IEnumerable<RouteInfo> mainRoutes, int portIndex) =>
        mainRoutes.Where(r => r.Table == Rta.TableMain && r.OutputIndex == portIndex && r.Scope == Rta.ScopeUniverse).ToList();

    internal static IReadOnlyList<AddressInfo> GlobalV6(IEnumerable<AddressInfo> addresses) =>
        addresses.Where(a => !a.Address.IsV4 && a.Scope == Rta.ScopeUniverse).ToList();

    private (LinkInfo Vrf, int Table) FindOrCreate(INetnsRouting netns, VrfConfig config, Rollback undo)
    {
        if (netns.GetLink(config.VrfName) is { } existing)
        {
            RequireVrf(existing);
            var current = TableOf(existing);
            if (config.Table != 0 && current != (int)config.Table)
            {
                throw new CniException(CniErrorCode.Internal, $"VRF {config.VrfName} already exist with different routing table {current}");
            }

            return (existing, current);
        }

        var table = config.Table != 0 ? (int)config.Table : FreeTable(KernelCall.Run(() => netns.ListLinks(), "createVRF: Failed to find links"));
        KernelCall.Run(() => netns.CreateLink(new LinkSpec(config.VrfName, new VrfKind(table))), $"could not add VRF {config.VrfName}");
        var vrf = netns.GetLink(config.VrfName) ?? throw new CniException(CniErrorCode.Internal, $"could not add VRF {config.VrfName}: it vanished");
        undo.Push($"delete VRF {config.VrfName}", () => netns.DeleteLink(vrf.Index));
        KernelCall.Run(() => netns.SetUp(vrf.Index), $"could not set link up for VRF {config.VrfName}");
        return (vrf, table);
    }

    private void Enslave(INetnsRouting netns, LinkInfo vrf, int table, string ifName, Rollback undo)
    {
        var port = netns.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"could not get link by name {ifName}");
        if (port.MasterIndex != 0)
        {
            var master = netns.GetLink(port.MasterIndex)?.Name ?? port.MasterIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new CniException(CniErrorCode.Internal, $"interface {ifName} has already a master set: {master}");
        }

        var before = GlobalV6(netns.ListAddresses(port.Index));
        var routes = RoutesToMove(netns.ListRoutes(Rta.TableMain), port.Index);
        KernelCall.Run(() => netns.SetMaster(port.Index, vrf.Index), $"could not set vrf {vrf.Name} as master of {ifName}");
        undo.Push($"release {ifName} from {vrf.Name}", () => Release(netns, port.Index, before, routes));

        var after = GlobalV6(netns.ListAddresses(port.Index));
        foreach (var address in before.Where(b => !after.Any(a => a.Address == b.Address)))
        {
            KernelCall.Run(() => netns.AddAddress(port.Index, address.Address, (address.Flags & 0x02) != 0), $"could not restore address {address.Address} to {ifName} @ {vrf.Name}");
            WaitForLocalRoute(netns, address.Address, table, port.Index, ifName);
        }

        foreach (var route in routes)
        {
            KernelCall.Run(() => netns.ReplaceRoute(route.InTable(table)), $"could not add route '{route.Destination}{(route.Gateway is null ? "" : $" via {IpText.Format(route.Gateway)}")}'");
        }
    }

    /// <summary>The undo of a failed enslave: the port leaves the VRF with its addresses and routes back in main.</summary>
    private static void Release(INetnsRouting netns, int portIndex, IReadOnlyList<AddressInfo> v6, IReadOnlyList<RouteInfo> routes)
    {
        netns.SetMaster(portIndex, 0);
        var now = netns.ListAddresses(portIndex);
        foreach (var address in v6.Where(b => !now.Any(a => a.Address == b.Address)))
        {
            netns.AddAddress(portIndex, address.Address, (address.Flags & 0x02) != 0);
        }

        // Each route is tried: one that fails is reported, the others still go back.
        IOException? failure = null;
        foreach (var route in routes)
        {
            try
            {
                netns.ReplaceRoute(route.InTable(Rta.TableMain));
            }
            catch (IOException e)
            {
                failure ??= e;
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>A restored IPv6 address is usable once its /128 local route is in the VRF's table: poll with back-off (about 2.5 s in all).</summary>
    private void WaitForLocalRoute(INetnsRouting netns, CidrAddress address, int table, int portIndex, string ifName)
    {
        var host = new CidrAddress(address.Address, 128);
        for (var poll = 0; poll < AddressWaitPolls; poll++)
        {
            if (netns.ListRoutes(table).Any(r => r.Destination == host && r.OutputIndex == portIndex))
            {
                return;
            }

            if (poll < AddressWaitPolls - 1)
            {
                Sleep(TimeSpan.FromMilliseconds(10 << poll));
            }
        }

        throw new CniException(CniErrorCode.Internal, $"failed getting local/host addresses for {ifName} in table {table} with dst {address}");
    }

    private static int TableOf(LinkInfo vrf) => vrf.Details is VrfKind kind ? kind.Table : 0;

    private static void RequireVrf(LinkInfo link)
    {
        if (link.Kind != "vrf")
        {
            throw new CniException(CniErrorCode.Internal, $"Netlink {link.Name} is not a VRF");
        }
    }

    private INetnsRouting Open(string netnsPath, string verb)
    {
        try
        {
            return opener.Open(netnsPath, lockNetnsFile: false);
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, verb == "CHECK" ? e.Message : $"{verb}: {e.Message}");
        }
    }
}
