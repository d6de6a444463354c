using System.Net;
using System.Text.Json.Nodes;
using LibCni.Types;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>host-local IPAM, called directly as a delegating plugin would, with a per-case dataDir.</summary>
public sealed class HostLocalProfile : PluginProfile
{
    private const string Subnet = "10.88.0.0/24";

    public override string Name => "host-local";

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "host-local");
        config["ipam"] = HostLocalIpam(ctx, Subnet);
        return config;
    }

    /// <summary>A request (CONVENTIONS' CNI_ARGS IP=) for an address outside the only range: nothing to allocate.</summary>
    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment) =>
        (Config(ctx, attachment), env => env["CNI_ARGS"] = "IgnoreUnknown=1;IP=10.99.0.5");

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        var subnet = CidrAddress.Parse(Subnet);
        var addresses = CniAssert.Addresses(result).ToList();
        Assert.True(addresses.Count > 0, $"an IPAM result carries the allocated address: {CniAssert.Compact(result)}");
        foreach (var address in addresses)
        {
            Assert.True(subnet.Contains(IPAddress.Parse(address.Split('/')[0])), $"{address} is not in the configured {Subnet}");
        }
    }

    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        // The only resource host-local tracks is the reservation; releasing it is what breaks the attachment.
        CniAssert.Silent(ctx.Invoke("DEL", Config(ctx, attachment), attachment), "DEL to release the reservation");
        return true;
    }

    public override void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult)
    {
        CniAssert.Error(ctx.Invoke("CHECK", PrevResults.With(Config(ctx, gone), goneResult), gone), "CHECK of the attachment GC dropped");
        RequireAddressReusable(ctx, goneResult, "released by GC");
    }
}
