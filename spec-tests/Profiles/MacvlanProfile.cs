using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>macvlan with host-local IPAM on a master that is one end of a veth pair in the case's host netns.</summary>
public sealed class MacvlanProfile : ContainerLinkProfile
{
    public const string Subnet = "10.91.0.0/24";
    private const string Master = "cnispm0";

    public override string Name => "macvlan";

    public override void PrepareHost(CaseContext ctx)
    {
        ctx.Host.Ip("link", "add", Master, "type", "veth", "peer", "name", "cnispm1");
        ctx.Host.Ip("link", "set", Master, "up");
    }

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "macvlan");
        config["master"] = Master;
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

    public override JsonObject? ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => null;

    protected override void VerifyHostSide(CaseContext ctx, JsonObject result) =>
        Assert.NotNull(KernelView.Of(ctx.Host).RequireLink(Master));
}
