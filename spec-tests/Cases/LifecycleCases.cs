using System.Text.Json.Nodes;
using LibCni;
using SpecTests.Kit;
using SpecTests.Profiles;
using Xunit;

namespace SpecTests.Cases;

/// <summary>The attachment lifecycle: ADD's effects in the kernel, DEL, CHECK, GC and STATUS.</summary>
public static class LifecycleCases
{
    public static IEnumerable<SpecCase> All =>
    [
        new("add-netns-state", "1.2", "After ADD the result's interfaces exist (sandboxed ones in their netns) and carry the result's addresses",
            SpecCase.EachClaimed, AddNetnsState),
        new("del-idempotent", "1.2", "DEL removes the attachment, prints nothing, and a repeated DEL succeeds too", SpecCase.EachClaimed, DelIdempotent),
        new("del-netns-gone", "1.2", "DEL succeeds when the container netns no longer exists", SpecCase.EachClaimed, DelNetnsGone),
        new("check-after-add", "1.2", "CHECK with the ADD result as prevResult succeeds and prints nothing", SpecCase.From("0.4.0"), CheckAfterAdd),
        new("check-detects-breakage", "1.2", "CHECK fails once the attachment is broken (interface removed, lo down, reservation released)",
            SpecCase.From("0.4.0", p => p is not PortmapProfile), CheckDetectsBreakage),
        new("check-l2-only", "1.2", "bridge without IPAM: CHECK after ADD succeeds", SpecCase.From("0.4.0", p => p is BridgeProfile), CheckL2Only),
        new("gc-releases-invalid", "1.2", "GC releases what attachments outside cni.dev/valid-attachments hold and keeps the valid ones",
            SpecCase.From("1.1.0"), GcReleasesInvalid),
        new("status-ready", "1.2", "STATUS of a ready plugin: exit 0, nothing printed", SpecCase.From("1.1.0"), StatusReady),
    ];

    private static JsonObject Add(CaseContext ctx, Attachment attachment, JsonObject config) =>
        CniAssert.Result(ctx.Invoke("ADD", config, attachment), $"ADD of {attachment.ContainerId}");

    /// <summary>The config a runtime sends for DEL/CHECK: prevResult is sent from 0.4.0 on.</summary>
    private static JsonObject Later(CaseContext ctx, JsonObject config, JsonObject result) =>
        SpecVersions.AtLeast(ctx.Version, "0.4.0") ? PrevResults.With(config, result) : config;

    private static void AddNetnsState(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var result = Add(ctx, attachment, ctx.Config(attachment));
        if (result["interfaces"] is JsonArray interfaces && !ctx.Profile.IsChained)
        {
            var views = new Dictionary<string, KernelView>();
            KernelView ViewOf(string? sandbox) =>
                views.TryGetValue(sandbox ?? "", out var v) ? v : views[sandbox ?? ""] = KernelView.Of(
                    sandbox is { Length: > 0 } ? (sandbox == attachment.NetnsPath ? attachment.Netns : throw new Xunit.Sdk.XunitException($"interface sandbox {sandbox} is not CNI_NETNS {attachment.NetnsPath}"))
                    : ctx.Profile.RunsInHost ? ctx.Host : throw new Xunit.Sdk.XunitException("a host interface from a plugin that does not touch the host"));
            foreach (var iface in interfaces.OfType<JsonObject>())
            {
                ViewOf(iface["sandbox"]?.GetValue<string>()).RequireLink(iface["name"]!.GetValue<string>());
            }

            foreach (var ip in CniAssert.Ips(result).Where(ip => ip["interface"] is not null))
            {
                var iface = (JsonObject)interfaces[ip["interface"]!.GetValue<int>()]!;
                ViewOf(iface["sandbox"]?.GetValue<string>()).RequireAddress(iface["name"]!.GetValue<string>(), ip["address"]!.GetValue<string>());
            }
        }

        ctx.Profile.VerifyAdded(ctx, attachment, result);
    }

    private static void DelIdempotent(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var del = Later(ctx, config, Add(ctx, attachment, config));
        CniAssert.Silent(ctx.Invoke("DEL", del, attachment), "DEL");
        ctx.Profile.VerifyDeleted(ctx, attachment);
        CniAssert.Silent(ctx.Invoke("DEL", del, attachment), "repeated DEL");
    }

    private static void DelNetnsGone(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var del = Later(ctx, config, Add(ctx, attachment, config));
        attachment.Netns.Dispose();
        CniAssert.Silent(ctx.Invoke("DEL", del, attachment), "DEL after the netns was deleted");
    }

    private static void CheckAfterAdd(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var result = Add(ctx, attachment, config);
        CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(config, result), attachment), "CHECK right after ADD");
    }

    private static void CheckDetectsBreakage(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var result = Add(ctx, attachment, config);
        Assert.True(ctx.Profile.TryBreak(ctx, attachment, result), "profile cannot break this attachment");
        CniAssert.Error(ctx.Invoke("CHECK", PrevResults.With(config, result), attachment), "CHECK of a broken attachment");
    }

    private static void CheckL2Only(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = BridgeProfile.L2Config(ctx);
        var result = Add(ctx, attachment, config);
        CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(config, result), attachment), "CHECK of an L2-only attachment");
    }

    private static void GcReleasesInvalid(CaseContext ctx)
    {
        var valid = ctx.NewAttachment();
        var gone = ctx.NewAttachment();
        var validConfig = ctx.Config(valid);
        var validResult = Add(ctx, valid, validConfig);
        var goneResult = Add(ctx, gone, ctx.Config(gone));

        var gc = ctx.Config(valid);
        gc.Remove("prevResult");
        gc.Remove("runtimeConfig");
        var attachments = new JsonArray(new JsonObject { ["containerID"] = valid.ContainerId, ["ifname"] = valid.IfName });
        gc["cni.dev/valid-attachments"] = attachments;
        gc["cni.dev/attachments"] = attachments.DeepClone();
        CniAssert.Silent(ctx.Exec(new Dictionary<string, string> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = SpecSettings.PluginDir }, gc.ToJsonString()), "GC");

        CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(validConfig, validResult), valid), "CHECK of the attachment GC was told is valid");
        ctx.Profile.VerifyReleasedByGc(ctx, gone, goneResult);
    }

    private static void StatusReady(CaseContext ctx)
    {
        var config = ctx.Config(ctx.NewAttachment());
        config.Remove("prevResult");
        CniAssert.Silent(ctx.Exec(new Dictionary<string, string> { ["CNI_COMMAND"] = "STATUS", ["CNI_PATH"] = SpecSettings.PluginDir }, config.ToJsonString()), "STATUS");
    }
}
