namespace CniPlugins.Dhcp.Daemon;

/// <summary>What the lease's maintenance does next.</summary>
public enum LeaseStep
{
    /// <summary>Bound: sleep until renewal time.</summary>
    Wait,

    /// <summary>Past T1: REQUEST to the same server.</summary>
    Renew,

    /// <summary>Past T2: a fresh DISCOVER/REQUEST, as the reference does.</summary>
    Rebind,

    /// <summary>Past the lease time: the address is gone.</summary>
    Expire,
}

/// <summary>
/// A lease's times, from the moment it was acknowledged: lease time (option 51, default 60 min), T1 (option 58,
/// default 50 %) and T2 (option 59, default 85 % as in the reference). Pure, so tested with made-up clocks.
/// </summary>
public sealed record LeaseTimeline(DateTimeOffset Acquired, TimeSpan LeaseTime, TimeSpan RenewAfter, TimeSpan RebindAfter)
{
    public static readonly TimeSpan DefaultLeaseTime = TimeSpan.FromMinutes(60);

    public DateTimeOffset RenewAt => Acquired + RenewAfter;

    public DateTimeOffset RebindAt => Acquired + RebindAfter;

    public DateTimeOffset ExpireAt => Acquired + LeaseTime;

    public static LeaseTimeline From(DateTimeOffset acquired, uint? leaseSeconds, uint? t1Seconds, uint? t2Seconds)
    {
        var lease = leaseSeconds is { } l ? TimeSpan.FromSeconds(l) : DefaultLeaseTime;
        var t2 = t2Seconds is { } b ? TimeSpan.FromSeconds(b) : lease * 85 / 100;
        var t1 = t1Seconds is { } r ? TimeSpan.FromSeconds(r) : lease / 2;
        return new LeaseTimeline(acquired, lease, t1, t2);
    }

    public LeaseStep StepAt(DateTimeOffset now) =>
        now >= ExpireAt ? LeaseStep.Expire : now >= RebindAt ? LeaseStep.Rebind : now >= RenewAt ? LeaseStep.Renew : LeaseStep.Wait;

    /// <summary>How long a renew or rebind may keep trying before the next step is due.</summary>
    public TimeSpan BudgetAt(DateTimeOffset now, TimeSpan resendTimeout)
    {
        var next = StepAt(now) switch
        {
            LeaseStep.Renew => RebindAt,
            LeaseStep.Rebind => ExpireAt,
            _ => now + resendTimeout,
        };
        var left = next - now;
        return left < resendTimeout ? left : resendTimeout;
    }
}
