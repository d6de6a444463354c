using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// A main plugin that makes the container interface itself (bridge, ptp) with host-local IPAM, run inside the
/// case's own host netns: the interface is up with the result's addresses after ADD, gone after DEL, and deleting
/// it breaks the attachment.
/// </summary>
public abstract class ContainerLinkProfile : PluginProfile
{
    public override bool RunsInHost => true;

    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment) =>
        (Config(ctx, attachment), MissingNetns);

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        var container = KernelView.Of(attachment.Netns);
        Assert.True(KernelView.IsUp(container.RequireLink(attachment.IfName)), $"{attachment.IfName} should be UP in the container");
        foreach (var address in CniAssert.Addresses(result))
        {
            container.RequireAddress(attachment.IfName, address);
        }

        VerifyHostSide(ctx, result);
    }

    /// <summary>What the plugin made in the host netns for the attachment.</summary>
    protected abstract void VerifyHostSide(CaseContext ctx, JsonObject result);

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.True(KernelView.Of(attachment.Netns).Link(attachment.IfName) is null, $"{attachment.IfName} should be gone from the container after DEL");

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("link", "del", attachment.IfName);
        return true;
    }

    public override void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult) =>
        RequireAddressReusable(ctx, goneResult, "released by GC");
}
