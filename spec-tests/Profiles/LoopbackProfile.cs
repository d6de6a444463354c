using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>loopback: brings <c>lo</c> of the container up on ADD and down on DEL, whatever CNI_IFNAME says.</summary>
public sealed class LoopbackProfile : PluginProfile
{
    public override string Name => "loopback";

    public override bool PassesThroughPrevResult => true;

    public override JsonObject Config(CaseContext ctx, Attachment attachment) => Header(ctx, "loopback");

    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment) =>
        PrevResults.With(Config(ctx, attachment), PrevResults.For(ctx.Version, attachment));

    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment) =>
        (Config(ctx, attachment), MissingNetns);

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        var view = KernelView.Of(attachment.Netns);
        Assert.True(KernelView.IsUp(view.RequireLink("lo")), $"lo in {attachment.Netns.Name} should be UP after ADD");
        view.RequireAddress("lo", "127.0.0.1/8");
    }

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.False(KernelView.IsUp(KernelView.Of(attachment.Netns).RequireLink("lo")), $"lo in {attachment.Netns.Name} should be down after DEL");

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("link", "set", "lo", "down");
        return true;
    }
}
