using CniPlugins.Dhcp.Daemon;
using Xunit;

namespace Dhcp.Tests;

public sealed class LeaseTimelineTests
{
    private static readonly DateTimeOffset Acquired = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_times_the_lease_is_an_hour_renewed_at_half_and_rebound_at_85_percent()
    {
        var timeline = LeaseTimeline.From(Acquired, null, null, null);
        Assert.Equal(TimeSpan.FromMinutes(60), timeline.LeaseTime);
        Assert.Equal(Acquired.AddMinutes(30), timeline.RenewAt);
        Assert.Equal(Acquired.AddMinutes(51), timeline.RebindAt);
        Assert.Equal(Acquired.AddMinutes(60), timeline.ExpireAt);
    }

    [Fact]
    public void T1_and_t2_default_from_the_lease_time_given()
    {
        var timeline = LeaseTimeline.From(Acquired, 1000, null, null);
        Assert.Equal(TimeSpan.FromSeconds(500), timeline.RenewAfter);
        Assert.Equal(TimeSpan.FromSeconds(850), timeline.RebindAfter);
    }

    [Fact]
    public void The_servers_t1_and_t2_are_taken_as_given()
    {
        var timeline = LeaseTimeline.From(Acquired, 1000, 100, 200);
        Assert.Equal((TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(200)), (timeline.RenewAfter, timeline.RebindAfter));
    }

    [Theory]
    [InlineData(0, LeaseStep.Wait)]
    [InlineData(499, LeaseStep.Wait)]
    [InlineData(500, LeaseStep.Renew)]
    [InlineData(849, LeaseStep.Renew)]
    [InlineData(850, LeaseStep.Rebind)]
    [InlineData(999, LeaseStep.Rebind)]
    [InlineData(1000, LeaseStep.Expire)]
    [InlineData(5000, LeaseStep.Expire)]
    public void The_step_follows_the_clock(int secondsLater, LeaseStep step) =>
        Assert.Equal(step, LeaseTimeline.From(Acquired, 1000, null, null).StepAt(Acquired.AddSeconds(secondsLater)));

    [Fact]
    public void Renewing_may_try_until_rebind_time_and_rebinding_until_expiry()
    {
        var timeline = LeaseTimeline.From(Acquired, 1000, null, null);
        var resend = TimeSpan.FromSeconds(208);
        Assert.Equal(TimeSpan.FromSeconds(50), timeline.BudgetAt(Acquired.AddSeconds(800), resend));
        Assert.Equal(TimeSpan.FromSeconds(10), timeline.BudgetAt(Acquired.AddSeconds(990), resend));
    }

    [Fact]
    public void The_budget_never_exceeds_the_resend_timeout()
    {
        var timeline = LeaseTimeline.From(Acquired, 86400, null, null);
        var resend = TimeSpan.FromSeconds(208);
        Assert.Equal(resend, timeline.BudgetAt(Acquired.AddHours(12), resend));
        Assert.Equal(resend, timeline.BudgetAt(Acquired, resend));
    }
}
