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
        new("del-without-prevresult", "1.2", "DEL succeeds and cleans up even when the runtime has no prevResult to send",
            SpecCase.From("0.4.0"), DelWithoutPrevResult),
        new("attachments-independent", "1.11", "Two containers: each gets its own addresses, and DEL of one leaves the other intact",
            SpecCase.EachClaimed, AttachmentsIndependent),
        new("ifname-is-identity", "1.11", "Attachment identity is (containerID, ifname): two ifnames of one container are separate attachments",
            SpecCase.From("0.4.0", p => p is BridgeProfile or HostLocalProfile), IfnameIsIdentity),
        new("add-existing-interface", "1.2", "ADD must fail when CNI_IFNAME already exists in the container",
            SpecCase.OnceIf(p => p is BridgeProfile), AddExistingInterface),
        new("del-after-failed-add", "1.11", "DEL after a failed ADD (which a runtime always sends) succeeds", SpecCase.EachClaimed, DelAfterFailedAdd),
        new("del-netns-gone", "1.2", "DEL succeeds when the container netns no longer exists", SpecCase.EachClaimed, DelNetnsGone),
        new("check-after-add", "1.2", "CHECK with the ADD result as prevResult succeeds and prints nothing", SpecCase.From("0.4.0"), CheckAfterAdd),
        new("check-detects-breakage", "1.2", "CHECK fails once the attachment is broken (interface removed, lo down, reservation released)",
            SpecCase.From("0.4.0", p => p is not PortmapProfile and not StaticProfile), CheckDetectsBreakage),
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
            RequireInterfacesAndAddresses(ctx, attachment, result, interfaces);
        }

        ctx.Profile.VerifyAdded(ctx, attachment, result);
    }

    /// <summary>Each result interface exists where its sandbox says (none: the host), with the addresses pointing at it.</summary>
    private static void RequireInterfacesAndAddresses(CaseContext ctx, Attachment attachment, JsonObject result, JsonArray interfaces)
    {
        var views = new Dictionary<string, KernelView>();
        KernelView ViewOf(JsonNode iface)
        {
            var sandbox = iface["sandbox"]?.GetValue<string>() ?? "";
            if (!views.TryGetValue(sandbox, out var view))
            {
                Assert.True(sandbox.Length == 0 || sandbox == attachment.NetnsPath, $"interface sandbox {sandbox} is not CNI_NETNS {attachment.NetnsPath}");
                Assert.True(sandbox.Length > 0 || ctx.Profile.RunsInHost, $"{ctx.Plugin} reports a host interface but is not expected to touch the host");
                view = views[sandbox] = KernelView.Of(sandbox.Length > 0 ? attachment.Netns : ctx.Host);
            }

            return view;
        }

        foreach (var iface in interfaces.OfType<JsonObject>())
        {
            ViewOf(iface).RequireLink(iface["name"]!.GetValue<string>());
        }

        foreach (var ip in CniAssert.Ips(result).Where(ip => ip["interface"] is not null))
        {
            var iface = interfaces[ip["interface"]!.GetValue<int>()]!;
            ViewOf(iface).RequireAddress(iface["name"]!.GetValue<string>(), ip["address"]!.GetValue<string>());
        }
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

    private static void DelWithoutPrevResult(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        Add(ctx, attachment, config);
        CniAssert.Silent(ctx.Invoke("DEL", config, attachment), "DEL without prevResult");
        ctx.Profile.VerifyDeleted(ctx, attachment);
    }

    private static void AttachmentsIndependent(CaseContext ctx)
    {
        var first = ctx.NewAttachment();
        var second = ctx.NewAttachment();
        var firstConfig = ctx.Config(first);
        var secondConfig = ctx.Config(second);
        var firstResult = Add(ctx, first, firstConfig);
        var secondResult = Add(ctx, second, secondConfig);
        if (!ctx.Profile.IsChained && first.NetnsPath != second.NetnsPath)
        {
            var shared = CniAssert.Addresses(firstResult).Intersect(CniAssert.Addresses(secondResult)).Where(a => !a.StartsWith("127.", StringComparison.Ordinal) && a != "::1/128").ToList();
            Assert.True(shared.Count == 0, $"two containers were given the same address(es): {string.Join(", ", shared)}");
        }

        CniAssert.Silent(ctx.Invoke("DEL", Later(ctx, firstConfig, firstResult), first), "DEL of the first container");
        ctx.Profile.VerifyAdded(ctx, second, secondResult);
        if (SpecVersions.AtLeast(ctx.Version, "0.4.0"))
        {
            CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(secondConfig, secondResult), second), "CHECK of the second container after DEL of the first");
        }
    }

    private static void IfnameIsIdentity(CaseContext ctx)
    {
        var eth0 = ctx.NewAttachment("eth0");
        var eth1 = eth0 with { IfName = "eth1" };
        var config = ctx.Config(eth0);
        var result0 = Add(ctx, eth0, config);
        var result1 = Add(ctx, eth1, config);
        var shared = CniAssert.Addresses(result0).Intersect(CniAssert.Addresses(result1)).ToList();
        Assert.True(shared.Count == 0, $"eth0 and eth1 of one container were given the same address(es): {string.Join(", ", shared)}");
        CniAssert.Silent(ctx.Invoke("DEL", PrevResults.With(config, result0), eth0), "DEL of eth0");
        CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(config, result1), eth1), "CHECK of eth1 after DEL of eth0");
    }

    private static void AddExistingInterface(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        attachment.Netns.Ip("link", "add", attachment.IfName, "type", "veth", "peer", "name", "cnisppeer");
        CniAssert.Error(ctx.Invoke("ADD", ctx.Config(attachment), attachment), $"ADD while {attachment.IfName} already exists");
    }

    private static void DelAfterFailedAdd(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var (config, env) = ctx.Profile.FailingAdd(ctx, attachment);
        CniAssert.Error(ctx.Invoke("ADD", config, attachment, env), "ADD that must fail");
        CniAssert.Silent(ctx.Invoke("DEL", config, attachment, env), "DEL after the failed ADD");
    }

    private static void DelNetnsGone(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var del = Later(ctx, config, Add(ctx, attachment, config));
        attachment.Netns.Dispose();
        CniAssert.Silent(ctx.Invoke("DEL", del, attachment), "DEL after the netns was deleted");
    }

    private static void CheckAfterAdd(CaseContext ctx) => AddThenCheck(ctx, ctx.Config, "CHECK right after ADD");

    private static void CheckL2Only(CaseContext ctx) => AddThenCheck(ctx, _ => BridgeProfile.L2Config(ctx), "CHECK of an L2-only attachment");

    private static void AddThenCheck(CaseContext ctx, Func<Attachment, JsonObject> configFor, string what)
    {
        var attachment = ctx.NewAttachment();
        var config = configFor(attachment);
        var result = Add(ctx, attachment, config);
        CniAssert.Silent(ctx.Invoke("CHECK", PrevResults.With(config, result), attachment), what);
    }

    private static void CheckDetectsBreakage(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        var result = Add(ctx, attachment, config);
        Assert.True(ctx.Profile.TryBreak(ctx, attachment, result), "profile cannot break this attachment");
        CniAssert.Error(ctx.Invoke("CHECK", PrevResults.With(config, result), attachment), "CHECK of a broken attachment");
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
