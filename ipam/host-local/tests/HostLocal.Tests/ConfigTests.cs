using System.Text;
using CniPlugins.HostLocal.Config;
using LibCni.Types;
using Xunit;

namespace HostLocal.Tests;

public class ConfigTests
{
    private static HostLocalConfig Parse(string json, string? cniArgs = null) => HostLocalConfig.Parse(Encoding.UTF8.GetBytes(json), cniArgs);

    private static string Net(string ipam, string version = "1.1.0", string extra = "") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge"{{{extra}}},"ipam":{"type":"host-local"{{{ipam}}}}}""";

    [Fact]
    public void Legacy_single_range_gets_the_reference_defaults()
    {
        var config = Parse(Net(""","subnet":"10.1.2.0/24" """));
        var range = Assert.Single(Assert.Single(config.Ranges));
        Assert.Equal("10.1.2.0/24", range.Subnet.ToString());
        Assert.Equal("10.1.2.1-10.1.2.254", range.ToString());
        Assert.Equal("10.1.2.1", range.Gateway.ToString());
        Assert.Equal("/var/lib/cni/networks", config.DataDir);
        Assert.Equal("net1", config.Name);
        Assert.Null(config.ResolvConf);
        Assert.Empty(config.Routes);
    }

    [Fact]
    public void Ipv6_range_end_is_the_all_ones_address()
    {
        var range = Parse(Net(""","ranges":[[{"subnet":"fd00:1::/120"}]]""")).Ranges[0][0];
        Assert.Equal("fd00:1::1-fd00:1::ff", range.ToString());
        Assert.Equal("fd00:1::1", range.Gateway.ToString());
    }

    [Fact]
    public void Order_is_ipRanges_then_legacy_range_then_ranges()
    {
        var config = Parse(Net(
            ""","subnet":"10.0.0.0/24","ranges":[[{"subnet":"10.1.0.0/24","rangeStart":"10.1.0.10","rangeEnd":"10.1.0.20","gateway":"10.1.0.254"}],[{"subnet":"fd00::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"10.9.0.0/16","gw":"10.1.0.1"}],"dataDir":"/tmp/x","resolvConf":"/etc/r.conf" """,
            extra: ""","runtimeConfig":{"ipRanges":[[{"subnet":"192.168.5.0/24"}]]}"""));
        Assert.Equal(["192.168.5.1-192.168.5.254", "10.0.0.1-10.0.0.254", "10.1.0.10-10.1.0.20", "fd00::1-fd00::ffff:ffff:ffff:ffff"],
            config.Ranges.Select(r => r.ToString()));
        Assert.Equal("10.1.0.254", config.Ranges[2][0].Gateway.ToString());
        Assert.Equal("/tmp/x", config.DataDir);
        Assert.Equal("/etc/r.conf", config.ResolvConf);
        Assert.Equal(["0.0.0.0/0", "10.9.0.0/16"], config.Routes.Select(r => r.Dst.ToString()));
        Assert.Equal("10.1.0.1", config.Routes[1].Gw!.ToString());
    }

    [Fact]
    public void Route_without_dst_is_invalid_config_before_anything_is_reserved()
    {
        var error = Assert.Throws<CniException>(() => Parse(Net(""","subnet":"10.0.0.0/24","routes":[{"dst":"0.0.0.0/0"},{"gw":"10.0.0.1"}]""")));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, error.Code);
        Assert.Equal("invalid route 1: missing dst", error.Message);
    }

    [Fact]
    public void Requested_ips_merge_cni_args_args_and_runtime_config_without_duplicates()
    {
        var config = Parse(
            Net(""","subnet":"10.0.0.0/24" """, extra: ""","args":{"cni":{"ips":["10.0.0.7","10.0.0.5"]}},"runtimeConfig":{"ips":["10.0.0.5/24","fd00::5","10.0.0.5"]}"""),
            "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.0.0.5");
        Assert.Equal(["10.0.0.5", "10.0.0.7", "fd00::5"], config.RequestedIps.Select(IpText.Format));
    }

    [Theory]
    [InlineData(""","subnet":"10.9.0.1/24" """, "invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.9.0.0")]
    [InlineData(""","subnet":"10.9.0.0/31" """, "invalid range set 0: Network 10.9.0.0/31 too small to allocate from")]
    [InlineData(""","subnet":"10.9.0.0/32" """, "invalid range set 0: Network 10.9.0.0/32 too small to allocate from")]
    [InlineData(""","subnet":"fd00::/127" """, "invalid range set 0: Network fd00::/127 too small to allocate from")]
    [InlineData(""","subnet":"10.9.0.0/24","rangeStart":"10.10.0.1" """, "invalid range set 0: RangeStart 10.10.0.1 not in network 10.9.0.0/24")]
    [InlineData(""","subnet":"10.9.0.0/24","rangeEnd":"10.10.0.1" """, "invalid range set 0: RangeEnd 10.10.0.1 not in network 10.9.0.0/24")]
    [InlineData(""","subnet":"10.9.0.0/24","rangeStart":"10.9.0.50","rangeEnd":"10.9.0.40" """, "invalid range set 0: RangeEnd 10.9.0.40 not in network 10.9.0.0/24")]
    [InlineData(""","ranges":[[{"subnet":"10.9.0.0/24"},{"subnet":"10.9.0.0/25"}]]""", "invalid range set 0: subnets 10.9.0.1-10.9.0.254 and 10.9.0.1-10.9.0.126 overlap")]
    [InlineData(""","ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"10.9.0.0/25"}]]""", "range set 0 overlaps with 1")]
    [InlineData(""","subnet":"10.8.0.0/24","ranges":[[{"subnet":"10.7.0.0/24"}],[{"subnet":"10.8.0.0/16"}]]""", "range set 0 overlaps with 2")]
    [InlineData(""","ranges":[[{"subnet":"10.9.0.0/24"},{"subnet":"fd00::/64"}]]""", "invalid range set 0: mixed address families")]
    [InlineData(""","ranges":[[{"subnet":"10.9.0.0/24"}],[]]""", "invalid range set 1: empty range set")]
    [InlineData(""","ranges":[[{}]]""", "invalid range set 0: IP <nil> not v4 nor v6")]
    [InlineData("", "no IP ranges specified")]
    [InlineData(""","ranges":[]""", "no IP ranges specified")]
    [InlineData(""","subnet":"10.9.0.0/24x" """, "invalid CIDR address: 10.9.0.0/24x")]
    [InlineData(""","subnet":"10.9.0.0/24","gateway":"1.2.3" """, "invalid IP address: 1.2.3")]
    [InlineData(""","ranges":[[{"subnet":"10.9.0.0/24","rangeStart":"10.9.0.256"}]]""", "invalid IP address: 10.9.0.256")]
    public void Invalid_ranges_get_the_reference_messages(string ipam, string message)
    {
        var e = Assert.Throws<CniException>(() => Parse(Net(ipam)));
        Assert.Equal(message, e.Message);
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
    }

    [Fact]
    public void Error_details_name_the_field()
    {
        var e = Assert.Throws<CniException>(() => Parse(Net(""","ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"10.8.0.0/24"},{"subnet":"10.7.0.1/24"}]]""")));
        Assert.Equal("invalid range set 1: Network has host bits set. For a subnet mask of length 24 the network address is 10.7.0.0", e.Message);
        Assert.Equal("ipam.ranges[1][1] (subnet 10.7.0.1/24)", e.Details);
    }

    [Fact]
    public void Missing_ipam_is_rejected()
    {
        var e = Assert.Throws<CniException>(() => Parse("""{"cniVersion":"1.0.0","name":"n"}"""));
        Assert.Equal("IPAM config missing 'ipam' key", e.Message);
        e = Assert.Throws<CniException>(() => Parse("""{"cniVersion":"1.0.0","name":"n","ipam":null}"""));
        Assert.Equal("IPAM config missing 'ipam' key", e.Message);
    }

    [Fact]
    public void Gateway_outside_the_subnet_is_accepted_as_by_the_reference()
    {
        var range = Parse(Net(""","subnet":"10.9.0.0/24","gateway":"10.10.0.1" """)).Ranges[0][0];
        Assert.Equal("10.10.0.1", range.Gateway.ToString());
    }

    [Fact]
    public void Empty_address_fields_mean_defaults()
    {
        var range = Parse(Net(""","subnet":"10.9.0.0/24","gateway":"","rangeStart":"","rangeEnd":"" """)).Ranges[0][0];
        Assert.Equal("10.9.0.1-10.9.0.254", range.ToString());
    }

    [Theory]
    [InlineData("0.1.0", false)]
    [InlineData("0.2.0", false)]
    [InlineData("", false)]
    [InlineData("0.3.0", true)]
    [InlineData("1.1.0", true)]
    public void Old_versions_allow_one_range_set_per_family(string version, bool allowed)
    {
        var json = Net(""","ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"10.8.0.0/24"}]]""", version);
        if (allowed)
        {
            Assert.Equal(2, Parse(json).Ranges.Count);
        }
        else
        {
            var e = Assert.Throws<CniException>(() => Parse(json));
            Assert.Equal($"CNI version {version} does not support more than 1 address per family", e.Message);
        }

        // One of each family is fine everywhere.
        Assert.Equal(2, Parse(Net(""","ranges":[[{"subnet":"10.9.0.0/24"}],[{"subnet":"fd00::/64"}]]""", version)).Ranges.Count);
    }

    [Theory]
    [InlineData("IP=abc", "ARGS: error parsing value of pair \"IP=abc\": invalid IP address abc", CniErrorCode.InvalidEnvironmentVariables)]
    [InlineData("FOO=1", "ARGS: unknown args [FOO]", CniErrorCode.InvalidEnvironmentVariables)]
    [InlineData("IP", "ARGS: invalid pair \"IP\"", CniErrorCode.InvalidEnvironmentVariables)]
    public void Bad_cni_args_are_rejected(string cniArgs, string message, int code)
    {
        var e = Assert.Throws<CniException>(() => Parse(Net(""","subnet":"10.9.0.0/24" """), cniArgs));
        Assert.Equal(message, e.Message);
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void Unknown_args_are_fine_with_ignore_unknown_and_an_empty_ip_requests_nothing()
    {
        Assert.Empty(Parse(Net(""","subnet":"10.9.0.0/24" """), "IgnoreUnknown=true;FOO=1;IP=").RequestedIps);
    }

    [Theory]
    [InlineData(""","runtimeConfig":{"ips":["abc"]}""", "invalid IP address abc", "runtimeConfig.ips[0]: \"abc\"")]
    [InlineData(""","args":{"cni":{"ips":["10.0.0.1","1.2"]}}""", "invalid IP address 1.2", "args.cni.ips[1]: \"1.2\"")]
    [InlineData(""","args":{"cni":{"ips":[""]}}""", "cannot understand ip: IP <nil> not v4 nor v6", "args.cni.ips[0] is empty")]
    public void Bad_requested_ips_are_rejected(string extra, string message, string details)
    {
        var e = Assert.Throws<CniException>(() => Parse(Net(""","subnet":"10.9.0.0/24" """, extra: extra)));
        Assert.Equal(message, e.Message);
        Assert.Equal(details, e.Details);
    }

    [Fact]
    public void Malformed_json_is_a_decoding_failure()
    {
        var e = Assert.Throws<CniException>(() => Parse("""{"cniVersion":"1.0.0","name":"n","ipam":{"ranges":"x"}}"""));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith("failed to parse network configuration: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_attachments_distinguish_missing_null_and_lists()
    {
        static IReadOnlyList<(string, string)>? Attachments(string json) => HostLocalConfig.ParseValidAttachments(Encoding.UTF8.GetBytes(json));

        Assert.Null(Attachments("""{"name":"n"}"""));
        Assert.Empty(Attachments("""{"name":"n","cni.dev/valid-attachments":null}""")!);
        Assert.Empty(Attachments("""{"name":"n","cni.dev/valid-attachments":[]}""")!);
        Assert.Equal([("a", "eth0"), ("b", "eth1")],
            Attachments("""{"name":"n","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"},{"containerID":"b","ifname":"eth1"}]}""")!);
        Assert.Equal([("c", "eth0")], Attachments("""{"name":"n","cni.dev/attachments":[{"containerID":"c","ifname":"eth0"}]}""")!);
    }
}
