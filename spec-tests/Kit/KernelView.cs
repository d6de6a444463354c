using System.Net;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;

namespace SpecTests.Kit;

/// <summary>An independent view of a netns through iproute2 (<c>ip -n NS -j addr</c>): what is really there.</summary>
public sealed class KernelView
{
    private readonly JsonArray _links;

    private KernelView(string netns, JsonArray links)
    {
        Netns = netns;
        _links = links;
    }

    public string Netns { get; }

    public static KernelView Of(TestNetns ns) => new(ns.Name, (JsonArray)JsonNode.Parse(ns.Ip("-j", "addr"))!);

    public JsonObject? Link(string name) => _links.OfType<JsonObject>().FirstOrDefault(l => l["ifname"]?.GetValue<string>() == name);

    public JsonObject RequireLink(string name) =>
        Link(name) ?? throw new Xunit.Sdk.XunitException($"interface {name} is not in netns {Netns}; present: {string.Join(", ", Names)}");

    public IEnumerable<string> Names => _links.OfType<JsonObject>().Select(l => l["ifname"]!.GetValue<string>());

    public static bool IsUp(JsonObject link) => (link["flags"] as JsonArray ?? []).Any(f => f?.GetValue<string>() == "UP");

    /// <summary>Asserts interface <paramref name="name"/> carries <paramref name="cidr"/> (address and prefix).</summary>
    public void RequireAddress(string name, string cidr)
    {
        var link = RequireLink(name);
        var slash = cidr.IndexOf('/');
        var address = IPAddress.Parse(cidr[..slash]);
        var prefix = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var present = (link["addr_info"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(a => (Local: a["local"]?.GetValue<string>(), Prefix: a["prefixlen"]?.GetValue<int>()))
            .ToList();
        Assert.True(present.Any(a => a.Local is not null && IPAddress.Parse(a.Local).Equals(address) && a.Prefix == prefix),
            $"{name} in {Netns} should carry {cidr}; it has [{string.Join(", ", present.Select(a => $"{a.Local}/{a.Prefix}"))}]");
    }
}
