using System.Globalization;
using System.Text.Json.Nodes;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// static IPAM, called directly as a delegating plugin would: one IPv4 and one IPv6 address per attachment (from its
/// index, so two containers never share one), a gateway, a route and dns. Stateless: nothing a runtime could break.
/// </summary>
public sealed class StaticProfile : PluginProfile
{
    public override string Name => "static";

    public override JsonObject Config(CaseContext ctx, Attachment attachment)
    {
        var config = Header(ctx, "static");
        config["ipam"] = new JsonObject
        {
            ["type"] = "static",
            ["addresses"] = new JsonArray(
                new JsonObject { ["address"] = $"{V4(attachment)}/24", ["gateway"] = "10.89.0.1" },
                new JsonObject { ["address"] = $"{V6(attachment)}/64" }),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
            ["dns"] = new JsonObject { ["nameservers"] = new JsonArray("10.89.0.53") },
        };
        return config;
    }

    /// <summary>An address outside CIDR notation: refused after the config is read.</summary>
    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment)
    {
        var config = Config(ctx, attachment);
        config["ipam"]!["addresses"] = new JsonArray(new JsonObject { ["address"] = V4(attachment) });
        return (config, null);
    }

    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result) =>
        Assert.Equal([$"{V4(attachment)}/24", $"{V6(attachment)}/64"], CniAssert.Addresses(result).Order(StringComparer.Ordinal));

    private static string V4(Attachment attachment) => $"10.89.0.{(attachment.Index + 1).ToString(CultureInfo.InvariantCulture)}";

    private static string V6(Attachment attachment) => $"fd00:89::{(attachment.Index + 1).ToString("x", CultureInfo.InvariantCulture)}";
}
