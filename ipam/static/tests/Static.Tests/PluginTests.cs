using System.Text.Json;
using CniPlugins.Static;
using LibCni;
using LibCni.Skel;
using LibCni.TestKit;
using Xunit;

namespace Static.Tests;

/// <summary>Every verb through the real plugin host.</summary>
public class PluginTests
{
    private const string Ipam =
        """ "addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"address":"fd00::5/64"}],"routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1"},{"dst":"fd00:9::/64","mtu":1400}],"dns":{"nameservers":["10.1.2.53"],"search":["example"]} """;

    private static string Conf(string version, string ipam = Ipam, string extra = "") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge"{{{extra}}},"ipam":{"type":"static",{{{ipam}}}}}""";

    private static (int Exit, string Stdout) Run(string command, string conf, string args = "")
    {
        var env = FakeEnvironment.For(command, conf);
        env["CNI_ARGS"] = args;
        var exit = new PluginHost(new StaticPlugin(), About.For("static")).Run(env);
        return (exit, env.Output);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static (int Code, string Msg) Error((int Exit, string Stdout) run)
    {
        Assert.Equal(1, run.Exit);
        var error = Json(run.Stdout);
        return (error.GetProperty("code").GetInt32(), error.GetProperty("msg").GetString()!);
    }

    private static string PrevResult(string add) => $""","prevResult":{add}""";

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_prints_the_result_in_the_config_version_and_check_accepts_it(string version)
    {
        var add = Run("ADD", Conf(version));
        Assert.True(add.Exit == 0, add.Stdout);
        var root = Json(add.Stdout);
        Assert.Equal(version, root.GetProperty("cniVersion").GetString());
        Assert.False(root.TryGetProperty("interfaces", out _));
        switch (SpecVersions.FamilyOf(version))
        {
            case ResultFamily.V020:
                Assert.Equal("10.1.2.3/24", root.GetProperty("ip4").GetProperty("ip").GetString());
                Assert.Equal("10.1.2.1", root.GetProperty("ip4").GetProperty("gateway").GetString());
                Assert.Equal("0.0.0.0/0", root.GetProperty("ip4").GetProperty("routes")[0].GetProperty("dst").GetString());
                Assert.Equal("fd00::5/64", root.GetProperty("ip6").GetProperty("ip").GetString());
                Assert.False(root.GetProperty("ip6").TryGetProperty("gateway", out _));
                Assert.False(root.GetProperty("ip6").GetProperty("routes")[0].TryGetProperty("mtu", out _));
                Assert.Equal("10.1.2.53", root.GetProperty("dns").GetProperty("nameservers")[0].GetString());
                break;
            default:
                var ips = root.GetProperty("ips");
                Assert.Equal(2, ips.GetArrayLength());
                Assert.Equal("10.1.2.3/24", ips[0].GetProperty("address").GetString());
                Assert.Equal("10.1.2.1", ips[0].GetProperty("gateway").GetString());
                Assert.Equal("fd00::5/64", ips[1].GetProperty("address").GetString());
                Assert.False(ips[1].TryGetProperty("gateway", out _));
                Assert.False(ips[0].TryGetProperty("interface", out _));
                var v040 = SpecVersions.FamilyOf(version) == ResultFamily.V040;
                Assert.Equal(v040 ? "4" : null, ips[0].TryGetProperty("version", out var v4) ? v4.GetString() : null);
                Assert.Equal(v040 ? "6" : null, ips[1].TryGetProperty("version", out var v6) ? v6.GetString() : null);
                Assert.Equal(1400, root.GetProperty("routes")[1].GetProperty("mtu").GetInt32());
                Assert.Equal("example", root.GetProperty("dns").GetProperty("search")[0].GetString());
                break;
        }

        if (SpecVersionData.HasCheck(version))
        {
            Assert.Equal((0, ""), Run("CHECK", Conf(version, extra: PrevResult(add.Stdout))));
        }
    }

    [Fact]
    public void Empty_dns_is_omitted_from_1_x_results_and_printed_empty_before()
    {
        const string ipam = """ "addresses":[{"address":"10.1.2.3/24"}] """;
        Assert.False(Json(Run("ADD", Conf("1.1.0", ipam)).Stdout).TryGetProperty("dns", out _));
        Assert.Equal("{}", Json(Run("ADD", Conf("0.4.0", ipam)).Stdout).GetProperty("dns").GetRawText());
    }

    [Fact]
    public void Zero_addresses_is_an_empty_result_that_0_2_0_cannot_express()
    {
        var add = Run("ADD", Conf("1.0.0", """ "addresses":[] """));
        Assert.Equal(0, add.Exit);
        Assert.False(Json(add.Stdout).TryGetProperty("ips", out _));
        Assert.Equal((999, "cannot convert: no valid IP addresses"), Error(Run("ADD", Conf("0.2.0", """ "addresses":[] """))));
    }

    [Fact]
    public void Empty_config_version_is_printed_as_0_1_0()
    {
        var add = Run("ADD", Conf("", """ "addresses":[{"address":"10.1.2.3/24"}] """));
        Assert.Equal(0, add.Exit);
        Assert.Equal("0.1.0", Json(add.Stdout).GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Add_with_bad_config_is_an_error_with_the_reference_text()
    {
        Assert.Equal((7, "the 'address' field is expected to be in CIDR notation, got: '10.1.2.3'"),
            Error(Run("ADD", Conf("1.0.0", """ "addresses":[{"address":"10.1.2.3"}] """))));
        Assert.Equal((4, "the 'ip' field is expected to be in CIDR notation, got: 'x'"), Error(Run("ADD", Conf("1.0.0"), "IP=x")));
    }

    [Fact]
    public void Del_succeeds_without_reading_the_config()
    {
        Assert.Equal((0, ""), Run("DEL", """{"cniVersion":"1.0.0","name":"net1","type":"bridge"}"""));
        Assert.Equal((0, ""), Run("DEL", """{"cniVersion":"1.0.0","name":"net1","ipam":{"addresses":"nonsense"}}""", "IP=bad"));
    }

    [Theory]
    [InlineData("GC")]
    [InlineData("STATUS")]
    public void Gc_and_status_succeed_with_no_output(string command) =>
        Assert.Equal((0, ""), Run(command, """{"cniVersion":"1.1.0","name":"net1","type":"bridge","ipam":5}"""));

    [Fact]
    public void Version_claims_every_spec_version()
    {
        var run = Run("VERSION", "");
        Assert.Equal(0, run.Exit);
        Assert.Equal(SpecVersions.All, Json(run.Stdout).GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()!));
    }

    [Fact]
    public void Check_requires_a_prev_result()
    {
        Assert.Equal((7, "Required prevResult missing"), Error(Run("CHECK", Conf("1.0.0"))));
        Assert.Equal((7, "Required prevResult missing"), Error(Run("CHECK", Conf("1.0.0", extra: ""","prevResult":null"""))));
        Assert.Equal(6, Error(Run("CHECK", Conf("1.0.0", extra: ""","prevResult":5"""))).Code);
    }

    [Fact]
    public void Check_loads_the_config_first()
    {
        var conf = Conf("1.0.0", """ "addresses":[{"address":"nope"}] """, extra: PrevResult("""{"cniVersion":"1.0.0"}"""));
        Assert.Equal((7, "the 'address' field is expected to be in CIDR notation, got: 'nope'"), Error(Run("CHECK", conf)));
    }

    [Fact]
    public void Check_compares_the_gateway_of_the_first_prev_result_entry_with_the_same_ip()
    {
        const string prev = """{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.3/16","gateway":"10.1.2.9"},{"address":"10.1.2.3/24","gateway":"10.1.2.1"}]}""";

        // Prefix ignored; the first entry with the IP decides, and its gateway differs.
        var mismatch = Error(Run("CHECK", Conf("1.0.0", """ "addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"}] """, PrevResult(prev))));
        Assert.Equal((999, "static: Failed to match addr 10.1.2.3 on interface eth0"), mismatch);

        Assert.Equal((0, ""), Run("CHECK", Conf("1.0.0", """ "addresses":[{"address":"10.1.2.3/8","gateway":"10.1.2.9"}] """, PrevResult(prev))));

        // No configured gateway: any gateway matches.
        Assert.Equal((0, ""), Run("CHECK", Conf("1.0.0", """ "addresses":[{"address":"10.1.2.3/24"}] """, PrevResult(prev))));
    }

    [Fact]
    public void Check_needs_the_configured_gateway_when_prev_result_has_none()
    {
        const string prev = """{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.2.3/24"}]}""";
        Assert.Equal((999, "static: Failed to match addr 10.1.2.3 on interface eth0"),
            Error(Run("CHECK", Conf("0.4.0", """ "addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"}] """, PrevResult(prev)))));
    }

    [Fact]
    public void Check_ignores_configured_addresses_absent_from_prev_result()
    {
        // The reference's leniency: only addresses found in prevResult are compared.
        const string prev = """{"cniVersion":"1.0.0","ips":[{"address":"10.9.9.9/24"}]}""";
        Assert.Equal((0, ""), Run("CHECK", Conf("1.0.0", extra: PrevResult(prev))));
        Assert.Equal((0, ""), Run("CHECK", Conf("1.0.0", extra: PrevResult("""{"cniVersion":"1.0.0"}"""))));
    }

    [Fact]
    public void Check_uses_the_final_address_list()
    {
        const string prev = """{"cniVersion":"1.0.0","ips":[{"address":"10.5.0.3/16"}]}""";
        Assert.Equal((999, "static: Failed to match addr 10.5.0.3 on interface eth0"),
            Error(Run("CHECK", Conf("1.0.0", """ "addresses":[] """, PrevResult(prev)), "IP=10.5.0.3/16;GATEWAY=10.5.0.1")));
    }
}
