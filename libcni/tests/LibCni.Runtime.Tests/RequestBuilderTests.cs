using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Runtime;
using Xunit;

namespace LibCni.Runtime.Tests;

public class RequestBuilderTests
{
    private static PluginConfig Plugin(string json) => PluginConfig.FromBytes(Encoding.UTF8.GetBytes(json));

    private static RuntimeConf WithCapabilities(string json) => new()
    {
        CapabilityArgs = JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
    };

    [Fact]
    public void Name_and_version_are_injected_and_the_rest_passes_through()
    {
        var stdin = RequestBuilder.Build("net", "1.0.0", Plugin("""{"name":"ignored","cniVersion":"0.1.0","type":"bridge","zz":{"b":1,"a":2}}"""), null, new RuntimeConf());
        JsonAssert.Equal("""{"cniVersion":"1.0.0","name":"net","type":"bridge","zz":{"b":1,"a":2}}""", Encoding.UTF8.GetString(stdin));
    }

    [Fact]
    public void Keys_are_sorted_and_compact_like_go()
    {
        var stdin = RequestBuilder.Build("net", "1.0.0", Plugin("""{"type":"bridge","zz":{"b":1,"a":"<&>"}}"""), null, new RuntimeConf());
        Assert.Equal("""{"cniVersion":"1.0.0","name":"net","type":"bridge","zz":{"a":"<&>","b":1}}""", Encoding.UTF8.GetString(stdin));
    }

    [Fact]
    public void RuntimeConfig_is_the_intersection_of_enabled_capabilities_and_capability_args()
    {
        var plugin = Plugin("""{"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false,"ips":true}}""");
        var rt = WithCapabilities("""{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{"rate":1},"mac":"x"}""");

        var stdin = RequestBuilder.Build("net", "1.0.0", plugin, null, rt);

        JsonAssert.Equal("""
            {"cniVersion":"1.0.0","name":"net","type":"portmap",
             "capabilities":{"portMappings":true,"bandwidth":false,"ips":true},
             "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}}
            """, Encoding.UTF8.GetString(stdin));
    }

    [Fact]
    public void A_static_runtimeConfig_stays_unless_capabilities_replace_it()
    {
        var plugin = Plugin("""{"type":"p","capabilities":{"mac":true},"runtimeConfig":{"static":1}}""");
        var kept = RequestBuilder.Build("net", "1.0.0", plugin, null, WithCapabilities("""{"ips":["10.0.0.1"]}"""));
        Assert.Contains("\"runtimeConfig\":{\"static\":1}", Encoding.UTF8.GetString(kept), StringComparison.Ordinal);

        var replaced = RequestBuilder.Build("net", "1.0.0", plugin, null, WithCapabilities("""{"mac":"aa:bb:cc:dd:ee:ff"}"""));
        Assert.Contains("\"runtimeConfig\":{\"mac\":\"aa:bb:cc:dd:ee:ff\"}", Encoding.UTF8.GetString(replaced), StringComparison.Ordinal);
    }

    [Fact]
    public void PrevResult_is_the_previous_result_in_its_own_version()
    {
        var prev = CniJson.ParseResult("""{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.5/16"}],"dns":{}}"""u8, null);
        var stdin = RequestBuilder.Build("net", "1.0.0", Plugin("""{"type":"p"}"""), prev, new RuntimeConf());
        using var doc = JsonDocument.Parse(stdin);
        var prevResult = doc.RootElement.GetProperty("prevResult");
        Assert.Equal("0.4.0", prevResult.GetProperty("cniVersion").GetString());
        Assert.Equal("10.1.0.5/16", prevResult.GetProperty("ips")[0].GetProperty("address").GetString());
    }

    [Fact]
    public void Gc_sends_both_attachment_keys_only_with_a_valid_list()
    {
        var plugin = Plugin("""{"type":"host-local","capabilities":{"ips":true}}""");
        var withList = RequestBuilder.BuildGc("net", "1.1.0", plugin, [new GcAttachment("c1", "eth0")]);
        JsonAssert.Equal("""
            {"cniVersion":"1.1.0","name":"net","type":"host-local","capabilities":{"ips":true},
             "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}],
             "cni.dev/attachments":[{"containerID":"c1","ifname":"eth0"}]}
            """, Encoding.UTF8.GetString(withList));

        var withoutList = RequestBuilder.BuildGc("net", "1.1.0", plugin, null);
        JsonAssert.Equal("""{"cniVersion":"1.1.0","name":"net","type":"host-local","capabilities":{"ips":true}}""", Encoding.UTF8.GetString(withoutList));
    }
}
