using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>bridge with host-local IPAM, a unique bridge per case, run inside the case's own host netns.</summary>
public sealed class BridgeProfile : ContainerLinkProfile
{
    public const string Subnet = "10.89.0.0/24";

    public override string Name => "bridge";

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

    protected override void VerifyHostSide(CaseContext ctx, JsonObject result)
    {
        var host = KernelView.Of(ctx.Host);
        Assert.True(KernelView.IsUp(host.RequireLink(ctx.BridgeName)), $"bridge {ctx.BridgeName} should be UP in the host netns");
        var ports = ctx.Host.Ip("-j", "link", "show", "master", ctx.BridgeName);
        Assert.True(JsonNode.Parse(ports) is JsonArray { Count: > 0 }, $"bridge {ctx.BridgeName} should have the container's host-side port");
    }
}
