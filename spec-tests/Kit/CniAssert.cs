using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni;
using LibCni.TestKit;
using Xunit;

namespace SpecTests.Kit;

/// <summary>Judges what a runtime sees of one plugin call: exit status, stdout, the result or error object.</summary>
public static class CniAssert
{
    /// <summary>Exit 0 and a result object on stdout (nothing else).</summary>
    public static JsonObject Result(ProcessResult run, string what)
    {
        Assert.True(run.ExitCode == 0, $"{what}: expected exit 0, got {run.ExitCode}; stdout: {run.Stdout.Trim()} stderr: {run.Stderr.Trim()}");
        return ParseObject(run.Stdout, what + " result");
    }

    /// <summary>Exit 0 and nothing on stdout (DEL, CHECK, GC, STATUS).</summary>
    public static void Silent(ProcessResult run, string what)
    {
        Assert.True(run.ExitCode == 0, $"{what}: expected exit 0, got {run.ExitCode}; stdout: {run.Stdout.Trim()} stderr: {run.Stderr.Trim()}");
        Assert.True(run.Stdout.Trim().Length == 0, $"{what}: expected no output on success, got: {run.Stdout.Trim()}");
    }

    /// <summary>Exit 1 and an error object on stdout, nothing but that JSON: <c>{cniVersion?, code, msg, details?}</c>.</summary>
    public static JsonObject Error(ProcessResult run, string what, int? code = null)
    {
        Assert.True(run.ExitCode == 1, $"{what}: expected exit 1 with an error, got exit {run.ExitCode}; stdout: {run.Stdout.Trim()} stderr: {run.Stderr.Trim()}");
        var error = ParseObject(run.Stdout, what + " error");
        Assert.True(error["code"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number && c.TryGetValue<int>(out _),
            $"{what}: error has no integer \"code\": {run.Stdout.Trim()}");
        Assert.True(error["msg"] is JsonValue m && m.GetValueKind() == JsonValueKind.String,
            $"{what}: error has no string \"msg\": {run.Stdout.Trim()}");
        if (error["details"] is { } details)
        {
            Assert.True(details.GetValueKind() == JsonValueKind.String, $"{what}: error \"details\" is not a string: {run.Stdout.Trim()}");
        }

        if (code is { } expected)
        {
            Assert.True(error["code"]!.GetValue<int>() == expected, $"{what}: expected error code {expected}, got {run.Stdout.Trim()}");
        }

        return error;
    }

    public static string Msg(JsonObject error) => error["msg"]!.GetValue<string>();

    public static JsonObject ParseObject(string text, string what)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: stdout is not exactly one JSON value ({e.Message}): {text.Trim()}");
        }

        return node as JsonObject ?? throw new Xunit.Sdk.XunitException($"{what}: stdout is not a JSON object: {text.Trim()}");
    }

    /// <summary>The result shape the spec defines for the config's version (§1.7).</summary>
    public static void Shape(JsonObject result, string version)
    {
        Assert.True(result["cniVersion"]?.GetValueKind() == JsonValueKind.String && result["cniVersion"]!.GetValue<string>() == version,
            $"result cniVersion must equal the config's \"{version}\": {Compact(result)}");
        switch (SpecVersions.FamilyOf(version))
        {
            case ResultFamily.V020:
                Assert.True(result["ips"] is null && result["interfaces"] is null,
                    $"a {version} result has ip4/ip6, not the 0.3+ ips/interfaces: {Compact(result)}");
                Assert.True(result["ip4"] is not null || result["ip6"] is not null, $"a {version} result needs ip4 or ip6: {Compact(result)}");
                CheckIpConfig020(result["ip4"], AddressFamily.InterNetwork, result);
                CheckIpConfig020(result["ip6"], AddressFamily.InterNetworkV6, result);
                break;
            default:
                var v040 = SpecVersions.FamilyOf(version) == ResultFamily.V040;
                Assert.True(result["ip4"] is null && result["ip6"] is null, $"a {version} result has no ip4/ip6 keys: {Compact(result)}");
                var interfaces = result["interfaces"] as JsonArray ?? [];
                foreach (var iface in interfaces)
                {
                    Assert.True(iface?["name"] is JsonValue n && n.GetValue<string>().Length > 0, $"every interface needs a name: {Compact(result)}");
                }

                foreach (var ip in Ips(result))
                {
                    var address = Cidr(ip["address"], $"ips[].address in {Compact(result)}");
                    if (v040)
                    {
                        var expected = address.AddressFamily == AddressFamily.InterNetwork ? "4" : "6";
                        Assert.True(ip["version"]?.GetValueKind() == JsonValueKind.String && ip["version"]!.GetValue<string>() == expected,
                            $"a {version} ips[] entry needs \"version\":\"{expected}\": {Compact(ip)}");
                    }
                    else
                    {
                        Assert.True(ip["version"] is null, $"a {version} ips[] entry has no \"version\" (removed in 1.0.0): {Compact(ip)}");
                    }

                    if (ip["gateway"] is { } gw)
                    {
                        Assert.True(IPAddress.TryParse(gw.GetValue<string>(), out _), $"ips[].gateway is not an IP: {Compact(ip)}");
                    }

                    if (ip["interface"] is { } index)
                    {
                        var i = index.GetValue<int>();
                        Assert.True(i >= 0 && i < interfaces.Count, $"ips[].interface {i} is not an index into interfaces: {Compact(result)}");
                    }
                }

                foreach (var route in result["routes"] as JsonArray ?? [])
                {
                    Cidr(route?["dst"], $"routes[].dst in {Compact(result)}");
                }

                break;
        }
    }

    public static IEnumerable<JsonObject> Ips(JsonObject result) => (result["ips"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>Every address of a 0.1/0.2 (ip4/ip6) or 0.3+ (ips) result.</summary>
    public static IEnumerable<string> Addresses(JsonObject result) =>
        result["ips"] is JsonArray
            ? Ips(result).Select(ip => ip["address"]!.GetValue<string>())
            : new[] { result["ip4"]?["ip"], result["ip6"]?["ip"] }.Where(n => n is not null).Select(n => n!.GetValue<string>());

    public static IPAddress Cidr(JsonNode? node, string what)
    {
        var text = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        var slash = text?.IndexOf('/') ?? -1;
        Assert.True(slash > 0 && IPAddress.TryParse(text![..slash], out _) && int.TryParse(text[(slash + 1)..], out _),
            $"{what}: \"{text}\" is not an address/prefix");
        return IPAddress.Parse(text![..slash]);
    }

    public static string Compact(JsonNode node) => node.ToJsonString();

    private static void CheckIpConfig020(JsonNode? config, AddressFamily family, JsonObject result)
    {
        if (config is null)
        {
            return;
        }

        var address = Cidr(config["ip"], $"ip4/ip6.ip in {Compact(result)}");
        Assert.True(address.AddressFamily == family, $"ip4 holds IPv4 and ip6 IPv6: {Compact(result)}");
        foreach (var route in config["routes"] as JsonArray ?? [])
        {
            Cidr(route?["dst"], $"routes[].dst in {Compact(result)}");
        }
    }
}
