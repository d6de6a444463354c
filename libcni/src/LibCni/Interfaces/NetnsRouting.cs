using LibCni.Kernel;
using LibCni.Netlink.Route;
using LibCni.Types;
using Microsoft.Win32.SafeHandles;

namespace LibCni.Interfaces;

/// <summary>
/// Links, addresses, routes and rules of one network namespace: what the routing meta plugins (sbr, vrf) read and
/// change in the container. Every list is of all address families.
/// </summary>
public interface INetnsRouting : IDisposable
{
    LinkInfo? GetLink(string name);

    LinkInfo? GetLink(int index);

    IReadOnlyList<LinkInfo> ListLinks();

    IReadOnlyList<AddressInfo> ListAddresses(int index);

    void AddAddress(int index, CidrAddress address, bool noDad);

    /// <summary>The routes of <paramref name="table"/> (every table when null).</summary>
    IReadOnlyList<RouteInfo> ListRoutes(int? table);

    /// <summary>Adds a route; unlike <see cref="ReplaceRoute"/>, one to the same destination is an error (EEXIST).</summary>
    void AddRoute(RouteSpec route);

    void ReplaceRoute(RouteSpec route);

    /// <summary>Deletes a route; one already gone is fine.</summary>
    void DeleteRoute(RouteSpec route);

    IReadOnlyList<RuleSpec> ListRules();

    void AddRule(RuleSpec rule);

    /// <summary>Deletes a rule; one already gone is fine.</summary>
    void DeleteRule(RuleSpec rule);

    void CreateLink(LinkSpec spec);

    void SetUp(int index);

    /// <summary>Enslaves <paramref name="index"/> to <paramref name="masterIndex"/>; 0 releases it.</summary>
    void SetMaster(int index, int masterIndex);

    void DeleteLink(int index);
}

/// <summary>Opens <see cref="INetnsRouting"/> on a container's netns.</summary>
public interface INetnsRoutingOpener
{
    /// <summary>
    /// Opens the netns at <paramref name="netnsPath"/>; with <paramref name="lockNetnsFile"/>, first waits for an
    /// exclusive flock on that file (sbr's lock, which serialises the calls for several interfaces of one pod),
    /// held until disposal. Throws <see cref="NetnsNotFoundException"/> when it is gone.
    /// </summary>
    INetnsRouting Open(string netnsPath, bool lockNetnsFile);
}

/// <summary><see cref="INetnsRouting"/> over an rtnetlink socket opened inside the netns.</summary>
public sealed class KernelNetnsRouting : INetnsRouting
{
    private readonly FileLock? _lock;
    private readonly RtnlClient _rtnl;

    private KernelNetnsRouting(FileLock? fileLock, RtnlClient rtnl)
    {
        _lock = fileLock;
        _rtnl = rtnl;
    }

    public static INetnsRoutingOpener Opener { get; } = new KernelOpener();

    public LinkInfo? GetLink(string name) => _rtnl.GetLink(name);

    public LinkInfo? GetLink(int index) => _rtnl.GetLink(index);

    public IReadOnlyList<LinkInfo> ListLinks() => _rtnl.ListLinks();

    public IReadOnlyList<AddressInfo> ListAddresses(int index) => _rtnl.ListAddresses(AddressFamily.Unspec, index);

    public void AddAddress(int index, CidrAddress address, bool noDad) => _rtnl.AddAddress(index, address, noDad);

    public IReadOnlyList<RouteInfo> ListRoutes(int? table) => _rtnl.ListRoutes(AddressFamily.Unspec, table);

    public void AddRoute(RouteSpec route) => _rtnl.AddRouteExclusive(route);

    public void ReplaceRoute(RouteSpec route) => _rtnl.ReplaceRoute(route);

    public void DeleteRoute(RouteSpec route) => _rtnl.DeleteRoute(route);

    public IReadOnlyList<RuleSpec> ListRules() => _rtnl.ListRules(AddressFamily.Unspec);

    public void AddRule(RuleSpec rule) => _rtnl.AddRule(rule);

    public void DeleteRule(RuleSpec rule) => _rtnl.DeleteRule(rule);

    public void CreateLink(LinkSpec spec) => _rtnl.CreateLink(spec);

    public void SetUp(int index) => _rtnl.SetLinkUp(index, true);

    public void SetMaster(int index, int masterIndex) => _rtnl.SetMaster(index, masterIndex);

    public void DeleteLink(int index) => _rtnl.DeleteLink(index);

    public void Dispose()
    {
        _rtnl.Dispose();
        _lock?.Dispose();
    }

    private sealed class KernelOpener : INetnsRoutingOpener
    {
        public INetnsRouting Open(string netnsPath, bool lockNetnsFile)
        {
            using SafeFileHandle netns = NetNamespace.Open(netnsPath);
            var fileLock = lockNetnsFile ? FileLock.AcquireExisting(netnsPath) : null;
            try
            {
                var rtnl = new RtnlClient(new Netlink.NetlinkClient(NetNamespace.Run(netns, netnsPath, () => Netlink.NetlinkSocket.Open(Netlink.NetlinkSocket.Route))));
                return new KernelNetnsRouting(fileLock, rtnl);
            }
            catch
            {
                fileLock?.Dispose();
                throw;
            }
        }
    }
}
