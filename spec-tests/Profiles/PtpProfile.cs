using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>ptp with host-local IPAM: the host end of the veth, named first in the result, is up in the host netns.</summary>
public sealed class PtpProfile : ContainerLinkProfile
{
    public const string Subnet = "10.90.0.0/24";

    public override string Name => "ptp";

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "ptp");
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

    public override JsonObject? ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => null;

    protected override void VerifyHostSide(CaseContext ctx, JsonObject result)
    {
        if (result["interfaces"] is not JsonArray { Count: > 0 } interfaces)
        {
            return; // 0.1.0/0.2.0 results name no interfaces
        }

        var hostVeth = interfaces[0]?["name"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(hostVeth), "ptp's result should name the host-side veth first");
        Assert.True(KernelView.IsUp(KernelView.Of(ctx.Host).RequireLink(hostVeth!)), $"host veth {hostVeth} should be UP in the host netns");
    }
}
