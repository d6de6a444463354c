using System.Text.Json.Nodes;
using LibCni;

namespace SpecTests.Kit;

/// <summary>prevResults a runtime would pass to a chained plugin, in the shape of each spec version.</summary>
public static class PrevResults
{
    /// <summary>The address a (simulated) main plugin gave this attachment: unique within the case.</summary>
    public static string ContainerIp(Attachment attachment) => $"10.1.2.{10 + attachment.Index}";
    public const string Gateway = "10.1.2.1";
    public const string HostSideCidr = "10.1.2.1/24";

    /// <summary>A full result (interface in the container netns, address, route, DNS) for <paramref name="version"/>.</summary>
    public static JsonObject For(string version, Attachment attachment)
    {
        if (SpecVersions.FamilyOf(version) == ResultFamily.V020)
        {
            return new JsonObject
            {
                ["cniVersion"] = version,
                ["ip4"] = new JsonObject
                {
                    ["ip"] = $"{ContainerIp(attachment)}/24",
                    ["gateway"] = Gateway,
                    ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0", ["gw"] = Gateway }),
                },
                ["dns"] = new JsonObject { ["nameservers"] = new JsonArray(Gateway) },
            };
        }

        var ip = new JsonObject();
        if (SpecVersions.FamilyOf(version) == ResultFamily.V040)
        {
            ip["version"] = "4";
        }

        ip["interface"] = 0;
        ip["address"] = $"{ContainerIp(attachment)}/24";
        ip["gateway"] = Gateway;
        return new JsonObject
        {
            ["cniVersion"] = version,
            ["interfaces"] = new JsonArray(new JsonObject
            {
                ["name"] = attachment.IfName,
                ["mac"] = "02:42:0a:01:02:03",
                ["sandbox"] = attachment.NetnsPath,
            }),
            ["ips"] = new JsonArray(ip),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0", ["gw"] = Gateway }),
            ["dns"] = new JsonObject { ["nameservers"] = new JsonArray(Gateway) },
        };
    }

    /// <summary>A copy of <paramref name="config"/> carrying <paramref name="prevResult"/>, as a runtime sends CHECK/DEL.</summary>
    public static JsonObject With(JsonObject config, JsonObject prevResult)
    {
        var copy = (JsonObject)config.DeepClone();
        copy["prevResult"] = prevResult.DeepClone();
        return copy;
    }
}
