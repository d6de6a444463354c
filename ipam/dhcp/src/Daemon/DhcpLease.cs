using System.Net;
using CniPlugins.Dhcp.Protocol;
using LibCni.Kernel;
using LibCni.Types;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>Where a lease lives: the container's netns path (with the host prefix) and interface name.</summary>
public sealed record LeaseTarget(string ClientId, string Netns, string IfName, byte[] StdinData, string CniArgs);

/// <summary>The interface to lease on is not in its netns: final, as in the reference, so never retried.</summary>
public sealed class LinkNotFoundException(string ifName) : IOException($"error looking up \"{ifName}\": Link not found");

/// <summary>
/// One container interface's lease and its maintenance thread: BOUND until T1, RENEWING until T2, REBINDING until
/// expiry, then the link is set down. The state is saved after every change so a restarted daemon carries on.
/// </summary>
public sealed class DhcpLease
{
    private static readonly TimeSpan FastRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(4);
    private const int FastRetries = 4;

    private readonly CancellationTokenSource _stop = new();
    private readonly DaemonOptions _options;
    private readonly LeaseStore _store;
    private readonly LeaseConfig _config;
    private Thread? _thread;

    private DhcpLease(LeaseTarget target, LeaseConfig config, AckedLease current, DaemonOptions options, LeaseStore store)
    {
        Target = target;
        _config = config;
        Current = current;
        _options = options;
        _store = store;
    }

    public LeaseTarget Target { get; }

    /// <summary>The network the lease belongs to (its config's name), which GC collects by.</summary>
    public string Network => _config.Network;

    public AckedLease Current { get; private set; }

    /// <summary>Maintenance has ended (link gone, lease expired, stopped): the lease cannot be handed out again.</summary>
    public bool Ended { get; private set; }

    public static DhcpLease Acquire(LeaseTarget target, LeaseConfig config, DaemonOptions options, LeaseStore store)
    {
        DaemonLog.Write($"{target.ClientId}: acquiring lease");
        using var cancel = new CancellationTokenSource();
        var acked = Run(target, options, upIfDown: true, client => client.Acquire(cancel.Token), config, options.ResendTimeout, cancel.Token)
            ?? throw new IOException("no more tries");
        var lease = new DhcpLease(target, config, acked, options, store);
        _ = lease.ToResult();
        DaemonLog.Write($"{target.ClientId}: lease acquired, expiration is {acked.Timeline.ExpireAt:yyyy-MM-dd HH:mm:ss} UTC");
        store.Save(lease);
        return lease;
    }

    /// <summary>A lease read back from the store after a restart.</summary>
    public static DhcpLease Resume(LeaseTarget target, AckedLease acked, DaemonOptions options, LeaseStore store) =>
        new(target, LeaseConfig.Parse(target.StdinData, target.CniArgs), acked, options, store);

    public void Start()
    {
        _thread = new Thread(Maintain) { IsBackground = true, Name = "lease" };
        _thread.Start();
    }

    /// <summary>Ends maintenance and, when asked, sends DHCPRELEASE (a failure is only logged, as in the reference).</summary>
    public void Stop(bool release)
    {
        _stop.Cancel();
        _thread?.Join();
        Ended = true;
        if (!release)
        {
            return;
        }

        DaemonLog.Write($"{Target.ClientId}: releasing lease");
        try
        {
            Run(Target, _options, upIfDown: false, client =>
            {
                client.Release(Current);
                return Current;
            }, _config, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or TimeoutException or UnauthorizedAccessException)
        {
            DaemonLog.Write($"{Target.ClientId}: failed to release DHCP lease: {e.Message}");
        }
    }

    /// <summary>The IPAM result: the address with option 1's mask, option 3's first router, and routes.</summary>
    public Result100 ToResult() => BuildResult(Current.Ack, _config.Priority);

    public static Result100 BuildResult(DhcpPacket ack, int priority)
    {
        var prefix = DhcpOption.PrefixLength(ack.Option(DhcpOption.SubnetMask))
            ?? throw new CniException(CniErrorCode.Internal, "DHCP option Subnet Mask not found in DHCPACK");
        var gateway = ack.AddressOption(DhcpOption.Router);
        var routes = new List<Route>();

        // RFC 3442: classless routes, when present, replace option 33 and the router.
        if (ack.Option(DhcpOption.ClasslessRoutes) is { } classless && DhcpOption.ParseClasslessRoutes(classless) is { Count: > 0 } parsed)
        {
            routes.AddRange(parsed.Select(r => new Route
            {
                Dst = r.Dst,
                Gw = r.Router,
                Scope = r.Router.Equals(IPAddress.Any) ? 253 : null,
            }));
        }
        else
        {
            if (ack.Option(DhcpOption.StaticRoutes) is { } routesOption)
            {
                routes.AddRange(DhcpOption.ParseStaticRoutes(routesOption).Select(r => new Route { Dst = r.Dst, Gw = r.Router }));
            }

            if (gateway is not null)
            {
                routes.Add(new Route { Dst = new CidrAddress(IPAddress.Any, 0), Gw = gateway });
            }
        }

        if (priority != 0)
        {
            routes.ForEach(r => r.Priority = priority);
        }

        return new Result100
        {
            Ips = [new IpConfig100 { Address = new CidrAddress(ack.YourIp, prefix), Gateway = gateway }],
            Routes = routes,
        }.Normalized();
    }

    private void Maintain()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!WaitForLink(token))
                {
                    DaemonLog.Write($"{Target.ClientId}: interface {Target.IfName} no longer exists or link check failed, terminating lease maintenance");
                    break;
                }

                var now = DateTimeOffset.UtcNow;
                var timeline = Current.Timeline;
                switch (timeline.StepAt(now))
                {
                    case LeaseStep.Wait:
                        token.WaitHandle.WaitOne(Min(timeline.RenewAt - now, TimeSpan.FromSeconds(30)));
                        break;
                    case LeaseStep.Renew:
                        DaemonLog.Write($"{Target.ClientId}: renewing lease");
                        if (Attempt(c => c.Renew(Current, token), timeline.BudgetAt(now, _options.ResendTimeout), token))
                        {
                            DaemonLog.Write($"{Target.ClientId}: lease renewed, expiration is {Current.Timeline.ExpireAt:yyyy-MM-dd HH:mm:ss} UTC");
                        }

                        break;
                    case LeaseStep.Rebind:
                        DaemonLog.Write($"{Target.ClientId}: renewal time expired, rebinding");
                        if (Attempt(c => c.Acquire(token), timeline.BudgetAt(now, _options.ResendTimeout), token))
                        {
                            DaemonLog.Write($"{Target.ClientId}: lease rebound, expiration is {Current.Timeline.ExpireAt:yyyy-MM-dd HH:mm:ss} UTC");
                        }

                        break;
                    case LeaseStep.Expire:
                        DaemonLog.Write($"{Target.ClientId}: lease expired, bringing interface DOWN");
                        SetDown();
                        Ended = true;
                        return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // One lease's failure ends its own maintenance, not the daemon holding the others.
            DaemonLog.Write($"{Target.ClientId}: lease maintenance failed: {e.GetType().Name}: {e.Message}");
        }

        Ended = true;
    }

    private bool Attempt(Func<DhcpClient, AckedLease> exchange, TimeSpan budget, CancellationToken token)
    {
        try
        {
            if (Run(Target, _options, upIfDown: false, exchange, _config, budget, token) is { } acked)
            {
                Current = acked;
                _store.Save(this);
                return true;
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            DaemonLog.Write($"{Target.ClientId}: {e.Message}");
        }

        return false;
    }

    /// <summary>Whether the lease's interface is still in its netns (true when the lookup itself fails).</summary>
    public bool LinkExists() => LookUpLink() ?? true;

    /// <summary>Checks the link still exists, polling from 1 s doubling to 10 s while the lookup itself fails.</summary>
    private bool WaitForLink(CancellationToken token)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var tries = 0; tries < 5; tries++)
        {
            if (LookUpLink() is { } exists)
            {
                return exists;
            }

            token.WaitHandle.WaitOne(delay);
            token.ThrowIfCancellationRequested();
            delay = Min(delay * 2, TimeSpan.FromSeconds(10));
        }

        return false;
    }

    /// <summary>Whether the interface is in its netns (false too when the netns is gone); null when the lookup failed.</summary>
    private bool? LookUpLink()
    {
        try
        {
            using var rtnl = NetNamespace.OpenRtnl(Target.Netns);
            return rtnl.GetLink(Target.IfName) is not null;
        }
        catch (NetnsNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void SetDown()
    {
        try
        {
            using var rtnl = NetNamespace.OpenRtnl(Target.Netns);
            if (rtnl.GetLink(Target.IfName) is { } link)
            {
                rtnl.SetLinkUp(link.Index, false);
            }
        }
        catch (IOException e)
        {
            DaemonLog.Write($"{Target.ClientId}: failed to bring {Target.IfName} interface DOWN: {e.Message}");
        }
    }

    /// <summary>
    /// Opens a packet socket on the interface inside the netns and runs <paramref name="exchange"/> with the
    /// reference's back-off between failed attempts (4 fast retries at 2 s ± 1 s, then 4 s ± 1 s doubling while
    /// below -resendmax), all within <paramref name="budget"/>; a zero budget means a single try.
    /// </summary>
    private static AckedLease? Run(LeaseTarget target, DaemonOptions options, bool upIfDown, Func<DhcpClient, AckedLease> exchange,
        LeaseConfig config, TimeSpan budget, CancellationToken token)
    {
        var deadline = DateTime.UtcNow + budget;
        var fast = FastRetries;
        var baseDelay = FirstRetryDelay;
        while (true)
        {
            try
            {
                return Once(target, options, upIfDown, exchange, config, token);
            }
            catch (Exception e) when (e is IOException or TimeoutException && e is not (NetnsNotFoundException or LinkNotFoundException) && !token.IsCancellationRequested)
            {
                if (budget == TimeSpan.Zero)
                {
                    throw;
                }

                DaemonLog.Write(e.Message);
                var sleep = (fast > 0 ? FastRetryDelay : baseDelay) + TimeSpan.FromSeconds((Random.Shared.NextDouble() * 2) - 1);
                if (DateTime.UtcNow + sleep >= deadline)
                {
                    throw new IOException("no more tries", e);
                }

                DaemonLog.Write($"retrying in {sleep.TotalSeconds:F6} seconds");
                if (token.WaitHandle.WaitOne(sleep))
                {
                    throw new OperationCanceledException(token);
                }

                if (fast > 0)
                {
                    fast--;
                }
                else if (baseDelay < options.ResendMax)
                {
                    baseDelay *= 2;
                }
            }
        }
    }

    private static AckedLease Once(LeaseTarget target, DaemonOptions options, bool upIfDown, Func<DhcpClient, AckedLease> exchange,
        LeaseConfig config, CancellationToken token)
    {
        int index;
        byte[] mac;
        using (var rtnl = NetNamespace.OpenRtnl(target.Netns))
        {
            var link = rtnl.GetLink(target.IfName) ?? throw new LinkNotFoundException(target.IfName);
            index = link.Index;
            mac = link.HardwareAddress;
            if (upIfDown && (link.Flags & 1) == 0)
            {
                DaemonLog.Write($"Link \"{target.IfName}\" down. Attempting to set up");
                rtnl.SetLinkUp(index, true);
            }
        }

        token.ThrowIfCancellationRequested();
        using var transport = new PacketTransport(NetNamespace.Run(target.Netns, () => PacketSocket.OpenIpv4(index)));
        return exchange(new DhcpClient(transport, mac, target.ClientId, config, options.Timeout, options.Broadcast));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;
}

/// <summary>Go log's format: "2006/01/02 15:04:05 message" on stderr.</summary>
public static class DaemonLog
{
    private static readonly Lock Gate = new();

    public static void Write(string message)
    {
        lock (Gate)
        {
            Console.Error.WriteLine($"{DateTime.Now:yyyy/MM/dd HH:mm:ss} {message}");
        }
    }
}
