using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>host-device with host-local IPAM: each attachment moves its own device, one end of a veth pair made for it in the host netns.</summary>
public sealed class HostDeviceProfile : ContainerLinkProfile
{
    public const string Subnet = "10.92.0.0/24";

    public override string Name => "host-device";

    private static string Device(Attachment attachment) => $"cnisphd{attachment.Index}";

    public override void PrepareAttachment(CaseContext ctx, Attachment attachment)
    {
        ctx.Host.Ip("link", "add", Device(attachment), "type", "veth", "peer", "name", $"cnisphp{attachment.Index}");
        ctx.Host.Ip("link", "set", Device(attachment), "up");
    }

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "host-device");
        config["device"] = Device(attachment);
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

    public override JsonObject? ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => null;

    /// <summary>The moved device (the result's MAC) is no longer in the host netns.</summary>
    protected override void VerifyHostSide(CaseContext ctx, JsonObject result)
    {
        if (result["interfaces"]?[0]?["mac"]?.GetValue<string>() is { Length: > 0 } mac)
        {
            Assert.DoesNotContain($"\"address\":\"{mac}\"", ctx.Host.Ip("-j", "link"), StringComparison.Ordinal);
        }
    }
}
