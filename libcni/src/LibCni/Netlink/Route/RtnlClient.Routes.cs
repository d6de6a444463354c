using LibCni.Kernel;

namespace LibCni.Netlink.Route;

/// <summary>Routes: add, replace, delete, look up, list by table and output interface.</summary>
public sealed partial class RtnlClient
{
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

    /// <summary>Adds a route with NLM_F_EXCL: one to the same destination, table and metric is an error (EEXIST).</summary>
    public void AddRouteExclusive(RouteSpec route) =>
        _client.Execute(RtnlRequests.NewRouteExclusive(route), $"RTM_NEWROUTE {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")}");

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
}
