using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>bridge with host-local IPAM, a unique bridge per case, run inside the case's own host netns.</summary>
public sealed class BridgeProfile : PluginProfile
{
    public const string Subnet = "10.89.0.0/24";

    public override string Name => "bridge";

    public override bool RunsInHost => true;

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = L2Config(ctx);
        config["isGateway"] = true;
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

    /// <summary>No IPAM: the container gets a link only, and bridge delegates nothing.</summary>
    public override JsonObject ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => L2Config(ctx);

    public static JsonObject L2Config(CaseContext ctx)
    {
        var config = Header(ctx, "bridge");
        config["bridge"] = ctx.BridgeName;
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

        var host = KernelView.Of(ctx.Host);
        Assert.True(KernelView.IsUp(host.RequireLink(ctx.BridgeName)), $"bridge {ctx.BridgeName} should be UP in the host netns");
        var ports = ctx.Host.Ip("-j", "link", "show", "master", ctx.BridgeName);
        Assert.True(JsonNode.Parse(ports) is JsonArray { Count: > 0 }, $"bridge {ctx.BridgeName} should have the container's host-side port");
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
