using System.Text.Json.Nodes;
using LibCni.TestKit;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// bandwidth, chained after a (simulated) veth main plugin, run in the case's host netns: each attachment's
/// container interface has its veth peer in the host, named in prevResult as a main plugin would name it.
/// Ingress shaping is a tbf on that peer; egress goes through an ifb the plugin adds to the result.
/// </summary>
public sealed class BandwidthProfile : ChainedProfile
{
    private const long Rate = 8_000_000;
    private const long Burst = 80_000;

    public override string Name => "bandwidth";

    public override bool RunsInHost => true;

    private static string HostVeth(Attachment attachment) => $"cnibwh{attachment.Index}";

    public override void PrepareAttachment(CaseContext ctx, Attachment attachment)
    {
        attachment.Netns.Ip("link", "add", attachment.IfName, "type", "veth", "peer", "name", HostVeth(attachment), "netns", ctx.Host.Name);
        ctx.Host.Ip("link", "set", HostVeth(attachment), "up");
        attachment.Netns.Ip("link", "set", attachment.IfName, "up");
    }

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = PassthroughConfig(ctx, attachment)!;
        config["ingressRate"] = Rate;
        config["ingressBurst"] = Burst;
        config["egressRate"] = Rate;
        config["egressBurst"] = Burst;
        return config;
    }

    /// <summary>No limits: bandwidth must pass prevResult through untouched.</summary>
    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "bandwidth");
        var prev = PrevResults.For(ctx.Version, attachment);
        if (prev["interfaces"] is JsonArray interfaces)
        {
            interfaces.Insert(0, new JsonObject { ["name"] = HostVeth(attachment), ["mac"] = "02:42:0a:01:02:01" });
            foreach (var ip in prev["ips"]!.AsArray())
            {
                ip!["interface"] = 1;
            }
        }

        config["prevResult"] = prev;
        return config;
    }

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        Assert.Contains("\"kind\":\"tbf\"", Qdiscs(ctx, HostVeth(attachment)), StringComparison.Ordinal);
        var ifb = Ifb(result);
        Assert.NotNull(ifb);
        Assert.Contains("\"kind\":\"tbf\"", Qdiscs(ctx, ifb!), StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"ingress\"", Qdiscs(ctx, HostVeth(attachment)), StringComparison.Ordinal);
    }

    public override void VerifyDeleted(CaseContext ctx, Attachment attachment)
    {
        Assert.DoesNotContain("\"kind\":\"tbf\"", Qdiscs(ctx, HostVeth(attachment)), StringComparison.Ordinal);
        Assert.DoesNotContain("\"kind\":\"ingress\"", Qdiscs(ctx, HostVeth(attachment)), StringComparison.Ordinal);
        Assert.DoesNotContain(IfbName(ctx, attachment), ctx.Host.Ip("-br", "link"), StringComparison.Ordinal);
    }

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        ctx.Host.Ip("link", "set", HostVeth(attachment), "down");
        Shell.Run("tc", "-n", ctx.Host.Name, "qdisc", "del", "dev", HostVeth(attachment), "root");
        return true;
    }

    public override void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult)
    {
        if (Ifb(goneResult) is { } ifb)
        {
            Assert.DoesNotContain(ifb, ctx.Host.Ip("-br", "link"), StringComparison.Ordinal);
        }
    }

    /// <summary>The ifb name both implementations derive: "bwp" and the first 12 hex digits of sha512(network + container ID).</summary>
    private static string IfbName(CaseContext ctx, Attachment attachment) =>
        "bwp" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(System.Text.Encoding.UTF8.GetBytes(ctx.NetworkName + attachment.ContainerId)))[..12];

    private static string Qdiscs(CaseContext ctx, string dev) => Shell.Run("tc", "-n", ctx.Host.Name, "-j", "qdisc", "show", "dev", dev);

    /// <summary>The ifb the plugin named in its result (the reference adds it as an interface without sandbox).</summary>
    private static string? Ifb(JsonObject result) =>
        (result["interfaces"] as JsonArray)?.Select(i => i?["name"]?.GetValue<string>()).FirstOrDefault(n => n?.StartsWith("bwp", StringComparison.Ordinal) == true);
}
