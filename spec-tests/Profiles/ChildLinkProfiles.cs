using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// A plugin that makes a link of its own kind in the container, on a master in the case's host netns (one end of a
/// veth pair) when it has one, with host-local IPAM: macvlan, ipvlan, vlan, dummy.
/// </summary>
public abstract class ChildLinkProfile(string type, string subnet, bool hasMaster = true, string? kind = null) : ContainerLinkProfile
{
    protected const string Master = "cnispm0";

    public override string Name => type;

    public override void PrepareHost(CaseContext ctx)
    {
        if (hasMaster)
        {
            ctx.Host.Ip("link", "add", Master, "type", "veth", "peer", "name", "cnispm1");
            ctx.Host.Ip("link", "set", Master, "up");
        }
    }

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, type);
        if (hasMaster)
        {
            config["master"] = Master;
        }

        AddKeys(config, attachment);
        config["ipam"] = HostLocalIpam(ctx, subnet);
        return config;
    }

    /// <summary>The plugin's own keys for this attachment.</summary>
    protected virtual void AddKeys(JsonObject config, Attachment attachment)
    {
    }

    public override JsonObject? ConfigWithoutDelegate(CaseContext ctx, Attachment attachment) => null;

    /// <summary>The link is of the plugin's kind (read back from the container).</summary>
    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        base.VerifyAdded(ctx, attachment, result);
        Assert.Contains($"\"info_kind\":\"{kind ?? type}\"", attachment.Netns.Ip("-j", "-d", "link", "show", attachment.IfName), StringComparison.Ordinal);
    }

    protected override void VerifyHostSide(CaseContext ctx, JsonObject result)
    {
        if (hasMaster)
        {
            Assert.NotNull(KernelView.Of(ctx.Host).RequireLink(Master));
        }
    }
}

public sealed class MacvlanProfile() : ChildLinkProfile("macvlan", "10.91.0.0/24");

public sealed class IpvlanProfile() : ChildLinkProfile("ipvlan", "10.93.0.0/24")
{
    /// <summary>
    /// The kernel lets one address live on only one ipvlan of a master, so the released address is reusable once the
    /// gone attachment's link is gone too, as it is when the runtime deletes a dead pod's netns.
    /// </summary>
    public override void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult)
    {
        gone.Netns.Ip("link", "del", gone.IfName);
        base.VerifyReleasedByGc(ctx, gone, goneResult);
    }
}

/// <summary>Each attachment its own VLAN ID: the kernel allows one link per (master, ID).</summary>
public sealed class VlanProfile() : ChildLinkProfile("vlan", "10.94.0.0/24")
{
    protected override void AddKeys(JsonObject config, Attachment attachment) => config["vlanId"] = 100 + attachment.Index;
}

public sealed class DummyProfile() : ChildLinkProfile("dummy", "10.95.0.0/24", hasMaster: false);

/// <summary>A tap is a tun device of type tap.</summary>
public sealed class TapProfile() : ChildLinkProfile("tap", "10.96.0.0/24", hasMaster: false, kind: "tun");
