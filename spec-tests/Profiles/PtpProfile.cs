using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>ptp with host-local IPAM, run inside the case's own host netns.</summary>
public sealed class PtpProfile : PluginProfile
{
    public const string Subnet = "10.90.0.0/24";

    public override string Name => "ptp";

    public override bool RunsInHost => true;

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "ptp");
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

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

        var hostVeth = result["interfaces"]?[0]?["name"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(hostVeth), "ptp's result should name the host-side veth first");
        Assert.True(KernelView.IsUp(KernelView.Of(ctx.Host).RequireLink(hostVeth!)), $"host veth {hostVeth} should be UP in the host netns");
    }

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
