using System.Text.Json.Nodes;
using LibCni.TestKit;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// A meta plugin that re-routes the interface a main plugin made: each container netns gets that interface (one
/// end of a veth pair inside it) with prevResult's address and default route, as the main plugin would leave it.
/// </summary>
public abstract class ContainerRoutingProfile : ChainedProfile
{
    public override void PrepareAttachment(CaseContext ctx, Attachment attachment)
    {
        attachment.Netns.Ip("link", "add", attachment.IfName, "type", "veth", "peer", "name", "cnispgw");
        attachment.Netns.Ip("addr", "add", $"{PrevResults.ContainerIp(attachment)}/24", "dev", attachment.IfName);
        attachment.Netns.Ip("addr", "add", PrevResults.HostSideCidr, "dev", "cnispgw");
        attachment.Netns.Ip("link", "set", "cnispgw", "up");
        attachment.Netns.Ip("link", "set", attachment.IfName, "up");
        attachment.Netns.Ip("route", "add", "10.99.0.0/16", "via", PrevResults.Gateway, "dev", attachment.IfName);
    }

    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment) => Config(ctx, attachment);

    protected JsonObject WithPrevResult(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, Name);
        config["prevResult"] = PrevResults.For(ctx.Version, attachment);
        return config;
    }
}

/// <summary>sbr: a <c>from ADDR lookup 100</c> rule per address, the interface's routes moved into table 100.</summary>
public sealed class SbrProfile : ContainerRoutingProfile
{
    public override string Name => "sbr";

    public override JsonObject Config(CaseContext ctx, Attachment attachment) => WithPrevResult(ctx, attachment);

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        Assert.Contains($"from {PrevResults.ContainerIp(attachment)} lookup 100", attachment.Netns.Ip("rule"), StringComparison.Ordinal);
        Assert.Contains("10.99.0.0/16", attachment.Netns.Ip("route", "show", "table", "100"), StringComparison.Ordinal);
    }

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.DoesNotContain($"from {PrevResults.ContainerIp(attachment)} ", attachment.Netns.Ip("rule"), StringComparison.Ordinal);

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("rule", "del", "from", PrevResults.ContainerIp(attachment), "lookup", "100");
        return true;
    }
}

/// <summary>vrf: the interface enslaved to a VRF of the container (table 1), made on ADD and gone with DEL.</summary>
public sealed class VrfProfile : ContainerRoutingProfile
{
    private const string VrfName = "cnispvrf";

    public override string Name => "vrf";

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = WithPrevResult(ctx, attachment);
        config["vrfname"] = VrfName;
        return config;
    }

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        Assert.Equal(VrfName, KernelView.Of(attachment.Netns).RequireLink(attachment.IfName)["master"]?.GetValue<string>());
        Assert.Contains("10.99.0.0/16", attachment.Netns.Ip("route", "show", "vrf", VrfName), StringComparison.Ordinal);
    }

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.DoesNotContain(VrfName, attachment.Netns.Ip("-br", "link"), StringComparison.Ordinal);

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("link", "set", attachment.IfName, "nomaster");
        return true;
    }
}
