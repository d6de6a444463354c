using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// tuning, chained after a (simulated) main plugin: each container netns gets the interface that plugin would
/// have made (a veth), and tuning sets a sysctl, the MTU and the queue length on it. State goes to the case's
/// scratch dir, never /run/cni/tuning.
/// </summary>
public sealed class TuningProfile : ChainedProfile
{
    private const int Mtu = 1280;

    public override string Name => "tuning";

    public override void PrepareAttachment(CaseContext ctx, Attachment attachment) =>
        attachment.Netns.Ip("link", "add", attachment.IfName, "type", "veth", "peer", "name", "cnisppeer");

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = PassthroughConfig(ctx, attachment)!;
        config["sysctl"] = new JsonObject { ["net.ipv4.conf.IFNAME.arp_filter"] = "1" };
        config["mtu"] = Mtu;
        config["txQLen"] = 42;
        return config;
    }

    /// <summary>No key that changes the interface's result entry (mac): prevResult must come back as it went in.</summary>
    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "tuning");
        config["dataDir"] = Path.Combine(ctx.DataDir, "..", "tuning");
        config["prevResult"] = PrevResults.For(ctx.Version, attachment);
        return config;
    }

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        var link = KernelView.Of(attachment.Netns).RequireLink(attachment.IfName);
        Assert.Equal(Mtu, link["mtu"]!.GetValue<int>());
        Assert.Equal("1", LibCni.TestKit.Shell.Run("ip", "netns", "exec", attachment.Netns.Name, "cat", $"/proc/sys/net/ipv4/conf/{attachment.IfName}/arp_filter").Trim());
    }

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        Assert.Equal(1500, KernelView.Of(attachment.Netns).RequireLink(attachment.IfName)["mtu"]!.GetValue<int>());

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("link", "set", attachment.IfName, "mtu", "1500");
        return true;
    }
}
