using System.Text.Json.Nodes;
using LibCni.TestKit;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// firewall with the iptables backend (both implementations have it), chained after a (simulated) main
/// plugin, run inside the case's own host netns. The system bus is pointed at nothing, so neither
/// implementation can reach a firewalld of the machine running the kit.
/// </summary>
public sealed class FirewallProfile : ChainedProfile
{
    public override string Name => "firewall";

    public override bool RunsInHost => true;

    public override void AdjustEnvironment(IDictionary<string, string> env) =>
        env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent/cni-spec-tests-bus";

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "firewall");
        config["backend"] = "iptables";
        config["prevResult"] = PrevResults.For(ctx.Version, attachment);
        return config;
    }

    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment) => Config(ctx, attachment);

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result) =>
        Assert.Contains(AllowRule(attachment), Filter(ctx), StringComparison.Ordinal);

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.DoesNotContain(AllowRule(attachment), Filter(ctx), StringComparison.Ordinal);

    /// <summary>An administrator deleting the container's allow rule is what CHECK must notice.</summary>
    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        Shell.Run("ip", "netns", "exec", ctx.Host.Name, "iptables", "-D", "CNI-FORWARD", "-s", $"{PrevResults.ContainerIp(attachment)}/32", "-j", "ACCEPT");
        return true;
    }

    private static string AllowRule(Attachment attachment) => $"-A CNI-FORWARD -s {PrevResults.ContainerIp(attachment)}/32 -j ACCEPT";

    private static string Filter(CaseContext ctx) => Shell.Run("ip", "netns", "exec", ctx.Host.Name, "iptables-save", "-t", "filter");
}
