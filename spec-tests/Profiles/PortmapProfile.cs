using System.Text.Json.Nodes;
using SpecTests.Kit;

namespace SpecTests.Profiles;

/// <summary>portmap, chained after a (simulated) main plugin, run inside the case's own host netns.</summary>
public sealed class PortmapProfile : ChainedProfile
{
    public override string Name => "portmap";

    public override bool RunsInHost => true;

    /// <summary>The host needs a route towards the container address, as a main plugin would have made.</summary>
    public override void PrepareHost(CaseContext ctx)
    {
        // A veth pair both ends in the host: always available (dummy may not be), gives an up route.
        ctx.Host.Ip("link", "add", "cnispd0", "type", "veth", "peer", "name", "cnispd1");
        ctx.Host.Ip("addr", "add", PrevResults.HostSideCidr, "dev", "cnispd0");
        ctx.Host.Ip("link", "set", "cnispd1", "up");
        ctx.Host.Ip("link", "set", "cnispd0", "up");
    }

    /// <summary>One TCP mapping (a host port per attachment), as a runtime injects it through the portMappings capability.</summary>
    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = WithoutMappings(ctx, attachment);
        config["capabilities"] = new JsonObject { ["portMappings"] = true };
        config["runtimeConfig"] = new JsonObject
        {
            ["portMappings"] = new JsonArray(new JsonObject { ["hostPort"] = 18080 + attachment.Index, ["containerPort"] = 80, ["protocol"] = "tcp" }),
        };
        return config;
    }

    public override JsonObject? PassthroughConfig(CaseContext ctx, Attachment attachment) => WithoutMappings(ctx, attachment);

    /// <summary>A container without mappings: portmap must only pass prevResult through.</summary>
    public static JsonObject WithoutMappings(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "portmap");
        config["prevResult"] = PrevResults.For(ctx.Version, attachment);
        return config;
    }
}
