using System.Net;
using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Sbr;

/// <summary>
/// The sbr (source-based routing) plugin, chained after the plugin that made the interface: replies from each of
/// the interface's addresses leave through the interface's own gateway, by a <c>from ADDR lookup TABLE</c> rule
/// per address and the interface's routes moved into that table. ADD and DEL hold an flock on the netns file, so
/// the calls for several interfaces of one pod take their tables one after another.
/// </summary>
public sealed class SbrPlugin(INetnsRoutingOpener opener) : ICniPlugin
{
    public static SbrPlugin CreateDefault() => new(KernelNetnsRouting.Opener);

    public ICniResult Add(CmdArgs args)
    {
        var config = SbrConfig.Parse(args.StdinData, args.ConfigVersion);
        var prevResult = config.PrevResult ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "This plugin must be called as chained plugin");
        var addresses = SbrRouting.AddressesFor(ResultConverter.ToResult100(prevResult), args.IfName);
        using var netns = Open(args.Netns);
        IReadOnlyList<SbrStep> steps;
        if (config.Table is { } table)
        {
            steps = SbrRouting.WithTable(addresses, table);
        }
        else
        {
            var rules = KernelCall.Run(() => netns.ListRules(), "Failed to list all rules");
            var link = netns.GetLink(args.IfName) ?? throw new CniException(CniErrorCode.Internal, $"Cannot find network interface {args.IfName}: Link not found");
            var routes = KernelCall.Run(() => netns.ListRoutes(Rta.TableMain), "Unable to list routes").Where(r => r.OutputIndex == link.Index).ToList();
            steps = SbrRouting.Automatic(addresses, link.Index, rules, routes, config);
        }

        Rollback.Run("sbr", args.Log, undo =>
        {
            foreach (var step in steps)
            {
                try
                {
                    step.Apply(netns);
                }
                catch (IOException e) when (!step.Fatal)
                {
                    args.Log.WriteLine($"sbr: warning: {step.FailureText}: {e.Message}");
                    continue;
                }
                catch (IOException e)
                {
                    throw new CniException(CniErrorCode.Internal, $"{step.FailureText}: {e.Message}");
                }

                if (step.Undo is { } revert)
                {
                    undo.Push(step.ToString(), () => revert(netns));
                }
            }

            return true;
        });
        return prevResult;
    }

    /// <summary>
    /// Removes the rules whose source is an address of the interface, and (automatic tables only) the routes of
    /// their tables on it. Succeeds when the netns or the interface is gone; then prevResult's addresses name the
    /// rules, where the reference leaves them.
    /// </summary>
    public void Del(CmdArgs args)
    {
        var config = SbrConfig.Parse(args.StdinData, args.ConfigVersion);
        if (args.Netns.Length == 0)
        {
            return;
        }

        INetnsRouting netns;
        try
        {
            netns = opener.Open(args.Netns, lockNetnsFile: true);
        }
        catch (NetnsNotFoundException)
        {
            return;
        }

        using (netns)
        {
            var rules = KernelCall.Run(() => netns.ListRules(), config.Table is { } t ? $"failed to list rules of table {t} to tidy" : "Failed to list all rules to tidy");
            var link = netns.GetLink(args.IfName);
            IEnumerable<IPAddress> addresses;
            if (link is not null)
            {
                addresses = KernelCall.Run(() => netns.ListAddresses(link.Index), "Failed to list all addrs").Select(a => a.Address.Address);
            }
            else if (config.PrevResult is { } prev)
            {
                addresses = SbrRouting.AddressesFor(ResultConverter.ToResult100(prev), args.IfName).Select(a => a.Address.Address);
            }
            else
            {
                return;
            }

            var tidy = SbrRouting.RulesToTidy(rules, addresses.ToList(), config.Table);
            string? lastError = null;
            foreach (var rule in tidy)
            {
                try
                {
                    netns.DeleteRule(rule);
                }
                catch (IOException e)
                {
                    lastError = $"Failed to delete rule {e.Message}";
                }
            }

            if (config.Table is null && link is not null)
            {
                var left = netns.ListRules();
                foreach (var table in tidy.Select(r => r.Table).Distinct().Where(t => t != Rta.TableMain && !left.Any(r => r.Table == t)))
                {
                    foreach (var route in netns.ListRoutes(table).Where(r => r.OutputIndex == link.Index))
                    {
                        netns.DeleteRoute(route.ToDeleteRequest());
                    }
                }
            }

            if (lastError is not null)
            {
                throw new CniException(CniErrorCode.Internal, lastError);
            }
        }
    }

    /// <summary>
    /// Beyond the reference (whose CHECK is a no-op): every routed address still has its rule (to the configured
    /// table when fixed), and in automatic mode that table still routes through the interface.
    /// </summary>
    public void Check(CmdArgs args)
    {
        var config = SbrConfig.Parse(args.StdinData, args.ConfigVersion);
        var prevResult = config.PrevResult ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "This plugin must be called as chained plugin");
        var addresses = SbrRouting.AddressesFor(ResultConverter.ToResult100(prevResult), args.IfName);
        using var netns = Open(args.Netns);
        var link = netns.GetLink(args.IfName) ?? throw new CniException(CniErrorCode.Internal, $"Cannot find network interface {args.IfName}: Link not found");
        var rules = netns.ListRules();
        foreach (var address in addresses)
        {
            var rule = rules.FirstOrDefault(r => r.Source == address.Host && (config.Table is null || r.Table == config.Table))
                ?? throw new CniException(CniErrorCode.Internal, $"no rule \"from {address.Host} lookup {(config.Table?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<table>")}\" for {args.IfName}");
            if (config.Table is null && !netns.ListRoutes(rule.Table).Any(r => r.OutputIndex == link.Index))
            {
                throw new CniException(CniErrorCode.Internal, $"table {rule.Table} of \"from {address.Host}\" has no route through {args.IfName}");
            }
        }
    }

    private INetnsRouting Open(string netnsPath)
    {
        try
        {
            return opener.Open(netnsPath, lockNetnsFile: true);
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, e.Message);
        }
    }
}
