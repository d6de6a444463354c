using System.Net;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Types;

namespace CniPlugins.Sbr;

/// <summary>An address of the interface sbr routes, with its gateway from prevResult.</summary>
public sealed record SbrAddress(CidrAddress Address, IPAddress? Gateway)
{
    public bool IsV4 => Address.IsV4;

    /// <summary>The single-address source of its rule: /32 or /128, as the reference restricts it.</summary>
    public CidrAddress Host => new(Address.Address, Address.AddressBits);
}

/// <summary>One change sbr makes in the container, with the error text the reference gives when it fails and its undo.</summary>
public abstract record SbrStep(string FailureText)
{
    public abstract void Apply(INetnsRouting netns);

    /// <summary>Reverts <see cref="Apply"/>; null when it needs none.</summary>
    public abstract Action<INetnsRouting>? Undo { get; }

    /// <summary>False for the source-hint steps, whose failures the reference only logs.</summary>
    public virtual bool Fatal => true;
}

public sealed record AddRuleStep(RuleSpec Rule, string FailureText) : SbrStep(FailureText)
{
    public override void Apply(INetnsRouting netns) => netns.AddRule(Rule);

    public override Action<INetnsRouting>? Undo => n => n.DeleteRule(Rule);
}

/// <summary>The default route through the gateway in the interface's table.</summary>
public sealed record AddRouteStep(RouteSpec Route, string FailureText) : SbrStep(FailureText)
{
    public override void Apply(INetnsRouting netns) => netns.AddRoute(Route);

    public override Action<INetnsRouting>? Undo => n => n.DeleteRoute(Route with { Protocol = null, Scope = null });
}

/// <summary>A main-table route copied into the interface's table (replace: the default route may be there already).</summary>
public sealed record CopyRouteStep(RouteSpec Route) : SbrStep("Failed to readd route")
{
    public override void Apply(INetnsRouting netns) => netns.ReplaceRoute(Route);

    public override Action<INetnsRouting>? Undo => n => n.DeleteRoute(Route with { Protocol = null, Scope = null });
}

/// <summary>A route of the interface leaving the main table; undone by adding it back as it was.</summary>
public sealed record DeleteMainRouteStep(RouteInfo Route, bool IsFatal) : SbrStep("Failed to delete route")
{
    public override void Apply(INetnsRouting netns) => netns.DeleteRoute(Route.ToDeleteRequest());

    public override Action<INetnsRouting>? Undo => n => n.ReplaceRoute(Route.InTable(Route.Table));

    public override bool Fatal => IsFatal;
}

/// <summary><c>addSourceHints</c>: the subnet route in main with the address as its source hint.</summary>
public sealed record SourceHintStep(RouteSpec Route, RouteInfo? Replaced) : SbrStep("Failed to add subnet route to main table")
{
    public override void Apply(INetnsRouting netns) => netns.ReplaceRoute(Route);

    public override Action<INetnsRouting>? Undo => Replaced is { } original
        ? n => n.ReplaceRoute(original.InTable(original.Table))
        : n => n.DeleteRoute(Route with { Protocol = null, Scope = null });

    public override bool Fatal => false;
}

/// <summary>sbr's decisions, pure: which addresses, which tables, and the changes ADD makes.</summary>
public static class SbrRouting
{
    public const int FirstTable = 100;

    /// <summary>
    /// The prevResult addresses sbr routes for <paramref name="ifName"/>: those whose <c>interface</c> index is
    /// unset, out of range, or names it (the reference's getIPCfgs).
    /// </summary>
    public static IReadOnlyList<SbrAddress> AddressesFor(Result100 prevResult, string ifName)
    {
        if (prevResult.Ips is not { Count: > 0 } ips)
        {
            throw new CniException(CniErrorCode.Internal, $"No IP addresses supplied on interface: {ifName}");
        }

        var interfaces = prevResult.Interfaces ?? [];
        return ips
            .Where(ip => ip.Interface is not { } index || index < 0 || index >= interfaces.Count || interfaces[index].Name == ifName)
            .Select(ip => new SbrAddress(ip.Address, ip.Gateway))
            .ToList();
    }

    /// <summary>The first table id from <paramref name="candidate"/> on that no rule looks up.</summary>
    public static int NextFreeTable(IEnumerable<RuleSpec> rules, int candidate)
    {
        var used = rules.Select(r => r.Table).ToHashSet();
        while (used.Contains(candidate))
        {
            candidate++;
        }

        return candidate;
    }

    /// <summary>Fixed-table mode: a <c>from ADDR lookup TABLE</c> rule per address, nothing else.</summary>
    public static IReadOnlyList<SbrStep> WithTable(IReadOnlyList<SbrAddress> addresses, int table) =>
        addresses.Select(a => (SbrStep)new AddRuleStep(Rule(a, table), "failed to add rule")).ToList();

    /// <summary>
    /// Automatic mode, as the reference: per address in order, a fresh table (the first free from 100, the next
    /// free after it for the next address), its rule, a default route through the static gateway of its family or
    /// its own gateway, and copies of the interface's main-table routes that belong to it (source or gateway in
    /// its subnet, or neither set). Then the interface's routes leave the main table; with source hints, its
    /// subnets stay there with the address as source and only the non-link routes go.
    /// </summary>
    public static IReadOnlyList<SbrStep> Automatic(
        IReadOnlyList<SbrAddress> addresses,
        int linkIndex,
        IReadOnlyList<RuleSpec> rules,
        IReadOnlyList<RouteInfo> linkMainRoutes,
        SbrConfig config)
    {
        var steps = new List<SbrStep>();
        var table = NextFreeTable(rules, FirstTable);
        foreach (var address in addresses)
        {
            steps.Add(new AddRuleStep(Rule(address, table), "Failed to add rule"));
            var gateway = (address.IsV4 ? config.GatewayV4 : config.GatewayV6) ?? address.Gateway;
            if (gateway is not null)
            {
                var any = address.IsV4 ? new CidrAddress(IPAddress.Any, 0) : new CidrAddress(IPAddress.IPv6Any, 0);
                steps.Add(new AddRouteStep(
                    new RouteSpec { Destination = any, Gateway = gateway, OutputIndex = linkIndex, Table = table },
                    $"Failed to add default route to {IpText.Format(gateway)}"));
            }

            foreach (var route in linkMainRoutes)
            {
                if (Belongs(route, address.Address))
                {
                    steps.Add(new CopyRouteStep(route.InTable(table)));
                }
            }

            table = NextFreeTable(rules, table + 1);
        }

        if (config.AddSourceHints)
        {
            foreach (var address in addresses)
            {
                var subnet = address.Address.Masked;
                var hint = new RouteSpec
                {
                    Destination = subnet,
                    Source = address.Address.Address,
                    OutputIndex = linkIndex,
                    Scope = LibCni.Netlink.Route.Rta.ScopeLink,
                };
                steps.Add(new SourceHintStep(hint, linkMainRoutes.FirstOrDefault(r => r.Destination == subnet)));
            }

            steps.AddRange(linkMainRoutes.Where(r => r.Scope != LibCni.Netlink.Route.Rta.ScopeLink).Select(r => new DeleteMainRouteStep(r, IsFatal: false)));
        }
        else
        {
            steps.AddRange(linkMainRoutes.Select(r => new DeleteMainRouteStep(r, IsFatal: true)));
        }

        return steps;
    }

    /// <summary>The reference's test for a route to copy into an address's table.</summary>
    internal static bool Belongs(RouteInfo route, CidrAddress address) =>
        (route.PreferredSource is { } source && address.Contains(source))
        || (route.Gateway is { } gateway && address.Contains(gateway))
        || (route.PreferredSource is null && route.Gateway is null);

    /// <summary>The rules DEL removes: those whose source is one of <paramref name="addresses"/> (and of <paramref name="table"/> when fixed).</summary>
    public static IReadOnlyList<RuleSpec> RulesToTidy(IReadOnlyList<RuleSpec> rules, IEnumerable<IPAddress> addresses, int? table)
    {
        var own = addresses.Select(IpText.Normalize).ToHashSet();
        return rules
            .Where(r => table is null || r.Table == table)
            .Where(r => r.Source is { } source && own.Contains(IpText.Normalize(source.Address)))
            .ToList();
    }

    private static RuleSpec Rule(SbrAddress address, int table) => new() { IsV4 = address.IsV4, Source = address.Host, Table = table };
}
