using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;

namespace LibCni.TestKit;

/// <summary>
/// An in-memory netns for the routing meta plugins' tests: links, addresses, routes and rules with the kernel's
/// matching rules where they matter (EEXIST on a duplicate route, delete by what is given, rule priorities counted
/// down from 32765), every change logged in <see cref="Calls"/>, and failures injected by call prefix.
/// </summary>
public sealed class FakeNetnsRouting : INetnsRouting, INetnsRoutingOpener
{
    private int _nextPriority = 32765;

    public List<LinkInfo> Links { get; } = [];

    public List<AddressInfo> Addresses { get; } = [];

    public List<RouteInfo> Routes { get; } = [];

    public List<RuleSpec> Rules { get; } = [];

    public List<string> Calls { get; } = [];

    /// <summary>Calls whose log line starts with one of these fail with EPERM.</summary>
    public HashSet<string> FailOn { get; } = [];

    /// <summary>Whether the netns exists (Open throws <see cref="NetnsNotFoundException"/> when not).</summary>
    public bool Exists { get; set; } = true;

    /// <summary>Opened with the netns-file lock, for each Open.</summary>
    public List<bool> Locks { get; } = [];

    /// <summary>What the kernel does on enslaving (a VRF moves the port's connected routes): called after the master is set.</summary>
    public Action<FakeNetnsRouting, int, int>? OnSetMaster { get; set; }

    public INetnsRouting Open(string netnsPath, bool lockNetnsFile)
    {
        if (!Exists)
        {
            throw new NetnsNotFoundException(netnsPath);
        }

        Locks.Add(lockNetnsFile);
        return this;
    }

    public LinkInfo AddLink(string name, string? kind = null, LinkKind? details = null, int master = 0)
    {
        var link = new LinkInfo { Index = Links.Count == 0 ? 2 : Links.Max(l => l.Index) + 1, Name = name, Kind = kind, Details = details, MasterIndex = master };
        Links.Add(link);
        return link;
    }

    public void AddKernelAddress(int index, string cidr, byte scope = 0) =>
        Addresses.Add(new AddressInfo(index, CidrAddress.Parse(cidr).IsV4 ? AddressFamily.Inet : AddressFamily.Inet6, CidrAddress.Parse(cidr), scope, 0, null));

    public RouteInfo AddKernelRoute(string destination, string? gateway, int oif, int table = 254, byte scope = 0, byte protocol = 3, string? source = null, int priority = 0)
    {
        var route = new RouteInfo(CidrAddress.Parse(destination), gateway is null ? null : IpText.Parse(gateway), oif, table, scope, protocol, 1, priority, 0, 0)
        {
            PreferredSource = source is null ? null : IpText.Parse(source),
        };
        Routes.Add(route);
        return route;
    }

    public LinkInfo? GetLink(string name) => Links.FirstOrDefault(l => l.Name == name);

    public LinkInfo? GetLink(int index) => Links.FirstOrDefault(l => l.Index == index);

    public IReadOnlyList<LinkInfo> ListLinks() => [.. Links];

    public IReadOnlyList<AddressInfo> ListAddresses(int index) => Addresses.Where(a => a.Index == index).ToList();

    public void AddAddress(int index, CidrAddress address, bool noDad)
    {
        Log($"addr add {address} dev {index}");
        Addresses.Add(new AddressInfo(index, address.IsV4 ? AddressFamily.Inet : AddressFamily.Inet6, address, 0, 0, null));
    }

    public IReadOnlyList<RouteInfo> ListRoutes(int? table) => Routes.Where(r => table is null || r.Table == table).ToList();

    public void AddRoute(RouteSpec route)
    {
        Log($"route add {Describe(route)}");
        if (Routes.Any(r => SameKey(r, route)))
        {
            throw new NetlinkException(Errno.EEXIST, "RTM_NEWROUTE", null);
        }

        Routes.Add(ToInfo(route));
    }

    public void ReplaceRoute(RouteSpec route)
    {
        Log($"route replace {Describe(route)}");
        Routes.RemoveAll(r => SameKey(r, route));
        Routes.Add(ToInfo(route));
    }

    public void DeleteRoute(RouteSpec route)
    {
        Log($"route del {Describe(route)}");
        var match = Routes.FirstOrDefault(r => r.Destination == route.Destination && r.Table == (route.Table ?? 254)
            && (route.Gateway is null || route.Gateway.Equals(r.Gateway))
            && (route.OutputIndex == 0 || route.OutputIndex == r.OutputIndex)
            && (route.Priority == 0 || route.Priority == r.Priority));
        if (match is not null)
        {
            Routes.Remove(match);
        }
    }

    public IReadOnlyList<RuleSpec> ListRules() => [.. Rules];

    public void AddRule(RuleSpec rule)
    {
        Log($"rule add from {rule.Source} table {rule.Table}");
        Rules.Add(rule.Priority > 0 ? rule : rule with { Priority = _nextPriority-- });
    }

    public void DeleteRule(RuleSpec rule)
    {
        Log($"rule del from {rule.Source} table {rule.Table}");
        var match = Rules.FirstOrDefault(r => r.Source == rule.Source && r.Table == rule.Table && (rule.Priority == 0 || r.Priority == rule.Priority));
        if (match is not null)
        {
            Rules.Remove(match);
        }
    }

    public void CreateLink(LinkSpec spec)
    {
        Log($"link add {spec.Name} type {spec.Kind.Name}");
        if (GetLink(spec.Name) is not null)
        {
            throw new NetlinkException(Errno.EEXIST, "RTM_NEWLINK", null);
        }

        AddLink(spec.Name, spec.Kind.Name, spec.Kind);
    }

    public void SetUp(int index)
    {
        Log($"link set {index} up");
        Replace(index, l => l with { Flags = l.Flags | 1 });
    }

    public void SetMaster(int index, int masterIndex)
    {
        Log($"link set {index} master {masterIndex}");
        Replace(index, l => l with { MasterIndex = masterIndex });
        OnSetMaster?.Invoke(this, index, masterIndex);
    }

    public void DeleteLink(int index)
    {
        Log($"link del {index}");
        Links.RemoveAll(l => l.Index == index);
        Addresses.RemoveAll(a => a.Index == index);
        Routes.RemoveAll(r => r.OutputIndex == index);
        foreach (var port in Links.Where(l => l.MasterIndex == index).ToList())
        {
            Replace(port.Index, l => l with { MasterIndex = 0 });
        }
    }

    public void Dispose()
    {
    }

    private void Replace(int index, Func<LinkInfo, LinkInfo> change)
    {
        var at = Links.FindIndex(l => l.Index == index);
        if (at < 0)
        {
            throw new NetlinkException(Errno.ENODEV, "RTM_NEWLINK", null);
        }

        Links[at] = change(Links[at]);
    }

    private void Log(string call)
    {
        Calls.Add(call);
        if (FailOn.Any(call.StartsWith))
        {
            throw new NetlinkException(Errno.EPERM, call, null);
        }
    }

    private static bool SameKey(RouteInfo r, RouteSpec route) =>
        r.Destination == route.Destination && r.Table == (route.Table ?? 254) && r.Priority == route.Priority;

    private static RouteInfo ToInfo(RouteSpec r) =>
        new(r.Destination, r.Gateway, r.OutputIndex, r.Table ?? 254, r.Scope ?? 0, r.Protocol ?? 3, 1, r.Priority, r.Mtu, r.AdvMss) { PreferredSource = r.Source };

    private static string Describe(RouteSpec r) =>
        $"{r.Destination}{(r.Gateway is null ? "" : $" via {IpText.Format(r.Gateway)}")} dev {r.OutputIndex}{(r.Source is null ? "" : $" src {IpText.Format(r.Source)}")} table {r.Table ?? 254}";
}
