using System.Text.Json.Nodes;
using SpecTests.Kit;

namespace SpecTests.Profiles;

/// <summary>
/// What the kit needs to know to drive one plugin type as a runtime would: a working config, a request that
/// must fail, and the few plugin-visible effects the spec lets a runtime observe. Nothing about internals.
/// </summary>
public abstract class PluginProfile
{
    public static readonly IReadOnlyDictionary<string, PluginProfile> All = new Dictionary<string, PluginProfile>
    {
        ["loopback"] = new LoopbackProfile(),
        ["host-local"] = new HostLocalProfile(),
        ["bridge"] = new BridgeProfile(),
        ["portmap"] = new PortmapProfile(),
        ["tuning"] = new TuningProfile(),
        ["firewall"] = new FirewallProfile(),
        ["ptp"] = new PtpProfile(),
        ["static"] = new StaticProfile(),
        ["bandwidth"] = new BandwidthProfile(),
        ["macvlan"] = new MacvlanProfile(),
        ["host-device"] = new HostDeviceProfile(),
        ["ipvlan"] = new IpvlanProfile(),
        ["vlan"] = new VlanProfile(),
        ["dummy"] = new DummyProfile(),
        ["tap"] = new TapProfile(),
        ["sbr"] = new SbrProfile(),
        ["vrf"] = new VrfProfile(),
        ["dhcp"] = new DhcpProfile(),
    };

    public abstract string Name { get; }

    /// <summary>Plugins that change the host netns run inside the case's private host netns.</summary>
    public virtual bool RunsInHost => false;

    /// <summary>Chained plugins print their prevResult instead of a result of their own.</summary>
    public virtual bool IsChained => false;

    /// <summary>Plugins that, given a prevResult, must print it (possibly modified): chained plugins and loopback.</summary>
    public virtual bool PassesThroughPrevResult => IsChained;

    /// <summary>Adds or changes variables of every call (after the kit's own CNI_* ones).</summary>
    public virtual void AdjustEnvironment(IDictionary<string, string> env)
    {
    }

    /// <summary>Sets up the case's host netns before the first call (e.g. a route towards container IPs).</summary>
    public virtual void PrepareHost(CaseContext ctx)
    {
    }

    /// <summary>Sets up a fresh container netns, e.g. the interface a main plugin would have made for a chained one.</summary>
    public virtual void PrepareAttachment(CaseContext ctx, Attachment attachment)
    {
    }

    /// <summary>A complete, working config for an ADD of <paramref name="attachment"/> at the case's version.</summary>
    public abstract JsonObject Config(CaseContext ctx, Attachment attachment);

    /// <summary>
    /// A working config that needs no delegated plugin, so it must work without CNI_PATH; null for a plugin that
    /// always delegates (ptp needs its IPAM plugin), which must then fail cleanly without CNI_PATH.
    /// </summary>
    public virtual JsonObject? ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => Config(ctx, attachment);

    /// <summary>A config carrying a prevResult the plugin must pass through unchanged; null if not a chaining plugin.</summary>
    public virtual JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment) => null;

    /// <summary>An ADD that must fail after the plugin has read its config: the config and any env change.</summary>
    public abstract (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment);

    /// <summary>Plugin-visible effects of a successful ADD beyond the generic result/netns checks.</summary>
    public virtual void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
    }

    /// <summary>Plugin-visible effects of DEL (the attachment's resources are gone).</summary>
    public virtual void VerifyDeleted(CaseContext ctx, Attachment attachment)
    {
    }

    /// <summary>Breaks an attachment the way an outside event would, so CHECK must fail; false when the
    /// spec gives a runtime no plugin-independent way to break this plugin's attachment.</summary>
    public virtual bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result) => false;

    /// <summary>After GC dropped <paramref name="gone"/>, shows its resources were released.</summary>
    public virtual void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult)
    {
    }

    /// <summary>A new attachment asking (CNI_ARGS IP=) for the address <paramref name="released"/> held gets exactly it.</summary>
    protected void RequireAddressReusable(CaseContext ctx, JsonObject released, string why)
    {
        var address = CniAssert.Addresses(released).First().Split('/')[0];
        var next = ctx.NewAttachment();
        var reuse = CniAssert.Result(ctx.Invoke("ADD", Config(ctx, next), next, env => env["CNI_ARGS"] = $"IgnoreUnknown=1;IP={address}"),
            $"ADD asking for {address}, {why}");
        Xunit.Assert.Contains($"{address}/", string.Join(" ", CniAssert.Addresses(reuse)), StringComparison.Ordinal);
    }

    protected static JsonObject Header(CaseContext ctx, string type) => new()
    {
        ["cniVersion"] = ctx.Version,
        ["name"] = ctx.NetworkName,
        ["type"] = type,
    };

    protected static JsonObject HostLocalIpam(CaseContext ctx, string subnet) => new()
    {
        ["type"] = "host-local",
        ["subnet"] = subnet,
        ["dataDir"] = ctx.DataDir,
    };

    /// <summary>A netns path that does not exist.</summary>
    protected static Action<Dictionary<string, string>> MissingNetns =>
        env => env["CNI_NETNS"] = $"/run/netns/cnisp-missing-{Guid.NewGuid().ToString("N")[..8]}";
}
