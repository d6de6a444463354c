using System.Text;
using CniPlugins.Tuning;
using LibCni.Config;
using LibCni.Types;
using Xunit;

namespace Tuning.Tests;

public class TuningConfigTests
{
    private static TuningConfig Parse(string extra, string cniArgs = "") =>
        TuningConfig.Parse(Encoding.UTF8.GetBytes($$"""{"cniVersion":"1.0.0","name":"net1","type":"tuning"{{extra}}}"""), CniArgs.Parse(cniArgs), "1.0.0");

    [Fact]
    public void Defaults_change_nothing_and_save_under_run_cni_tuning()
    {
        var config = Parse("");
        Assert.Equal("/run/cni/tuning", config.DataDir);
        Assert.False(config.ChangesLink);
        Assert.Empty(config.Sysctls);
        Assert.Null(config.PrevResult);
    }

    [Fact]
    public void Every_key_is_read_and_names_are_matched_case_insensitively()
    {
        var config = Parse(""","dataDir":"/tmp/t","sysctl":{"net.core.somaxconn":"500"},"mac":"c2:11:22:33:44:55","promisc":true,"MTU":1400,"txQLen":20,"allmulti":false""");
        Assert.Equal("/tmp/t", config.DataDir);
        Assert.Equal([new("net.core.somaxconn", "500")], config.Sysctls);
        Assert.Equal("c2:11:22:33:44:55", MacAddress.Format(config.Mac));
        Assert.True(config.Promisc);
        Assert.Equal(1400, config.Mtu);
        Assert.Equal(20, config.TxQLen);
        Assert.False(config.Allmulti);
        Assert.True(config.ChangesLink);
    }

    [Fact]
    public void Mac_precedence_is_config_then_cni_args_then_runtime_config_then_args_cni()
    {
        const string mac = ""","mac":"02:00:00:00:00:01" """;
        Assert.Equal("02:00:00:00:00:01", MacAddress.Format(Parse(mac).Mac));
        Assert.Equal("02:00:00:00:00:02", MacAddress.Format(Parse(mac, "IgnoreUnknown=1;MAC=02:00:00:00:00:02;K8S_POD_NAME=x").Mac));
        const string runtime = ""","runtimeConfig":{"mac":"02:00:00:00:00:03"}""";
        Assert.Equal("02:00:00:00:00:03", MacAddress.Format(Parse(mac + runtime, "MAC=02:00:00:00:00:02").Mac));
        const string args = ""","args":{"cni":{"mac":"02:00:00:00:00:04"}}""";
        Assert.Equal("02:00:00:00:00:04", MacAddress.Format(Parse(mac + runtime + args, "MAC=02:00:00:00:00:02").Mac));
    }

    [Fact]
    public void Args_cni_overrides_every_key_and_merges_sysctls()
    {
        var config = Parse(""","sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.all.log_martians":"1"},"mtu":1400,"promisc":true,""" +
            """ "args":{"cni":{"sysctl":{"net.core.somaxconn":"600","net.ipv4.conf.IFNAME.arp_filter":"1"},"promisc":false,"mtu":1300,"allmulti":true,"txQLen":5}}""");
        Assert.Equal([new("net.core.somaxconn", "600"), new("net.ipv4.conf.all.log_martians", "1"), new("net.ipv4.conf.IFNAME.arp_filter", "1")], config.Sysctls);
        Assert.False(config.Promisc);
        Assert.Equal(1300, config.Mtu);
        Assert.True(config.Allmulti);
        Assert.Equal(5, config.TxQLen);
    }

    [Fact]
    public void Args_cni_sysctl_works_without_a_config_sysctl()
    {
        // The reference panics here (assignment to a nil map); we just apply the override.
        Assert.Equal([new("net.core.somaxconn", "600")], Parse(""","args":{"cni":{"sysctl":{"net.core.somaxconn":"600"}}}""").Sysctls);
    }

    [Fact]
    public void An_empty_args_cni_mac_clears_the_mac_as_the_reference_does()
    {
        Assert.Null(Parse(""","mac":"02:00:00:00:00:01","args":{"cni":{"mac":""}}""").Mac);
    }

    [Fact]
    public void Duplicate_sysctl_keys_are_refused()
    {
        var e = Assert.Throws<CniException>(() => Parse(""","sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}"""));
        Assert.Equal("duplicated sysctl keys are not allowed", e.Message);
    }

    [Theory]
    [InlineData(""","sysctl":{"net.core.somaxconn":5}""", "must be a string")]
    [InlineData(""","sysctl":["net.core.somaxconn"]""", "must be an object")]
    [InlineData(""","mtu":"1400" """, "failed to load netconf")]
    [InlineData(""","args":{"cni":{"mtu":"x"}}""", "args.cni")]
    public void Wrong_types_are_decoding_failures(string extra, string message)
    {
        var e = Assert.Throws<CniException>(() => Parse(extra));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(""","mac":"not-a-mac" """, "invalid MAC address \"not-a-mac\" in mac")]
    [InlineData(""","runtimeConfig":{"mac":"zz"}""", "in runtimeConfig.mac")]
    [InlineData(""","mtu":-1""", "invalid mtu -1")]
    [InlineData(""","txQLen":-5""", "invalid txQLen -5")]
    public void Bad_values_are_code_7_naming_the_field(string extra, string message)
    {
        var e = Assert.Throws<CniException>(() => Parse(extra));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_cni_args_are_refused_without_IgnoreUnknown()
    {
        var e = Assert.Throws<CniException>(() => Parse("", "K8S_POD_NAME=web"));
        Assert.Equal(CniErrorCode.InvalidEnvironmentVariables, e.Code);
        Assert.Contains("K8S_POD_NAME", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Promisc_false_and_mtu_0_are_not_changes()
    {
        Assert.False(Parse(""","promisc":false,"mtu":0""").ChangesLink);
        Assert.True(Parse(""","allmulti":false""").ChangesLink);
        Assert.True(Parse(""","txQLen":0""").ChangesLink);
    }

    [Fact]
    public void Del_reads_only_the_data_dir_so_a_stale_config_still_cleans_up()
    {
        Assert.Equal("/tmp/x", TuningConfig.ParseDataDir("""{"name":"n","dataDir":"/tmp/x","mac":"bogus","sysctl":{"kernel.x":"1"}}"""u8.ToArray()));
        Assert.Equal("/run/cni/tuning", TuningConfig.ParseDataDir("""{"name":"n","dataDir":""}"""u8.ToArray()));
    }

    [Theory]
    [InlineData("""{"name":"n","mtu":"1400"}""")]
    [InlineData("""{"name":"n","sysctl":{},"name":7}""")]
    public void Del_still_refuses_json_that_does_not_decode_as_the_reference_does(string config)
    {
        var e = Assert.Throws<CniException>(() => TuningConfig.ParseDataDir(Encoding.UTF8.GetBytes(config)));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith("failed to load netconf: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Args_cni_overrides_each_tunable_of_the_top_level()
    {
        var config = Parse(""","mac":"02:00:00:00:00:01","promisc":false,"mtu":1400,"txQLen":10,"allmulti":false,""" +
            """ "args":{"cni":{"mac":"02:00:00:00:00:02","promisc":true,"mtu":1500,"txQLen":20,"allmulti":true}}""");
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 2 }, config.Mac);
        Assert.True(config.Promisc);
        Assert.Equal(1500, config.Mtu);
        Assert.Equal(20, config.TxQLen);
        Assert.True(config.Allmulti);
    }
}
