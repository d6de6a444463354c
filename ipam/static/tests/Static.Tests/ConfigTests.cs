using System.Text;
using CniPlugins.Static;
using LibCni.Types;
using Xunit;

namespace Static.Tests;

public class ConfigTests
{
    private static StaticConfig Parse(string json, string? cniArgs = null) => StaticConfig.Parse(Encoding.UTF8.GetBytes(json), cniArgs);

    private static string Net(string ipam, string version = "1.1.0", string extra = "") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge"{{{extra}}},"ipam":{"type":"static"{{{ipam}}}}}""";

    private static CniException Fails(string json, string? cniArgs = null) => Assert.Throws<CniException>(() => Parse(json, cniArgs));

    private static string[] Addresses(StaticConfig config) =>
        config.Addresses.Select(a => a.Gateway is null ? a.Address.ToString() : $"{a.Address} via {IpText.Format(a.Gateway)}").ToArray();

    [Fact]
    public void Addresses_keep_host_bits_and_gateways_in_order()
    {
        var config = Parse(Net(""","addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"address":"fd00::5/64","gateway":"fd00::1"},{"address":"10.9.0.7/16"}]"""));
        Assert.Equal(["10.1.2.3/24 via 10.1.2.1", "fd00::5/64 via fd00::1", "10.9.0.7/16"], Addresses(config));
        Assert.Equal("1.1.0", config.CniVersion);
        Assert.Empty(config.Routes);
        Assert.Null(config.Dns);
    }

    [Fact]
    public void Ipv4_mapped_gateway_is_ipv4()
    {
        var config = Parse(Net(""","addresses":[{"address":"10.1.2.3/24","gateway":"::ffff:10.1.2.1"}]"""));
        Assert.True(IpText.IsV4(config.Addresses[0].Gateway!));
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, config.Addresses[0].Gateway!.AddressFamily);
    }

    [Fact]
    public void Empty_gateway_is_no_gateway_and_keys_match_case_insensitively()
    {
        var config = Parse(Net(""","ADDRESSES":[{"ADDRESS":"10.1.2.3/24","Gateway":""}]"""));
        Assert.Equal(["10.1.2.3/24"], Addresses(config));
    }

    [Fact]
    public void Routes_keep_every_1_1_attribute_and_dns_is_copied()
    {
        var config = Parse(Net(""","routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1","mtu":1400,"advmss":1360,"priority":10,"table":100,"scope":0},null,{"dst":"10.5.0.1/16"}],"dns":{"nameservers":["10.1.2.53"],"domain":"example","search":["a","b"],"options":["ndots:2"]}"""));
        Assert.Equal(2, config.Routes.Count);
        var route = config.Routes[0];
        Assert.Equal(("0.0.0.0/0", "10.1.2.1", 1400, 1360, 10, 100, 0), (route.Dst.ToString(), route.Gw!.ToString(), route.Mtu, route.AdvMss, route.Priority, route.Table, route.Scope));
        Assert.Equal("10.5.0.1/16", config.Routes[1].Dst.ToString());
        Assert.Null(config.Routes[1].Table);
        Assert.Equal(["10.1.2.53"], config.Dns!.Nameservers);
        Assert.Equal("example", config.Dns.Domain);
        Assert.Equal(["a", "b"], config.Dns.Search);
        Assert.Equal(["ndots:2"], config.Dns.Options);
    }

    [Fact]
    public void Route_without_dst_is_refused()
    {
        var e = Fails(Net(""","routes":[null,{"gw":"10.0.0.1"}]"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal("invalid route 1: missing dst", e.Message);
        Assert.Equal("ipam.routes[1] needs a \"dst\" CIDR", e.Details);
    }

    [Fact]
    public void Zero_addresses_are_allowed()
    {
        Assert.Empty(Parse(Net("")).Addresses);
        Assert.Empty(Parse(Net(""","addresses":[]""", "0.1.0")).Addresses);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","type":"bridge"}""")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","type":"bridge","ipam":null}""")]
    public void Missing_ipam_is_refused(string json)
    {
        var e = Fails(json);
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal("IPAM config missing 'ipam' key", e.Message);
    }

    [Theory]
    [InlineData("""{"address":"10.1.2.3"}""", "10.1.2.3")]
    [InlineData("""{"address":"10.1.2.3/33"}""", "10.1.2.3/33")]
    [InlineData("""{"address":"fd00::1/129"}""", "fd00::1/129")]
    [InlineData("""{"address":"abc/24"}""", "abc/24")]
    [InlineData("""{"gateway":"10.1.2.1"}""", "")]
    [InlineData("null", "")]
    public void Address_not_in_cidr_notation_is_refused(string entry, string shown)
    {
        var e = Fails(Net($$""","addresses":[{"address":"10.0.0.1/8"},{{entry}}]"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal($"the 'address' field is expected to be in CIDR notation, got: '{shown}'", e.Message);
        Assert.Equal("ipam.addresses[1].address", e.Details);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("10.1.2")]
    [InlineData("10.1.2.1/24")]
    public void Bad_gateway_is_refused(string gateway)
    {
        var e = Fails(Net($$""","addresses":[{"address":"10.1.2.3/24","gateway":"{{gateway}}"}]"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal($"invalid IP address: {gateway}", e.Message);
        Assert.Equal("ipam.addresses[0].gateway", e.Details);
    }

    [Theory]
    [InlineData(""","addresses":{"address":"10.1.2.3/24"}""", "ipam.addresses: expected an array")]
    [InlineData(""","addresses":[{"address":5}]""", "ipam.addresses[0].address: expected a string, got number 5")]
    [InlineData(""","addresses":[{"address":"10.1.2.3/24","gateway":1}]""", "ipam.addresses[0].gateway: expected a string")]
    [InlineData(""","addresses":[{"Address":"10.1.2.3/24"}]""", "ipam.addresses[0].Address: expected no \"Address\" key")]
    [InlineData(""","addresses":[{"address":"10.1.2.3/24","version":4}]""", "ipam.addresses[0].version: expected a string")]
    [InlineData(""","routes":[{"dst":"bad"}]""", "ipam.routes[0].dst: invalid CIDR address: bad")]
    [InlineData(""","routes":[{"dst":"0.0.0.0/0","table":"main"}]""", "ipam.routes[0].table: expected an integer")]
    [InlineData(""","dns":{"nameservers":"10.0.0.1"}""", "ipam.dns.nameservers: expected an array")]
    [InlineData(""","name":5""", "ipam.name: expected a string")]
    public void Wrong_types_are_decoding_failures(string ipam, string message)
    {
        var e = Fails(Net(ipam));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("failed to parse network configuration: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_a_decoding_failure() =>
        Assert.Equal(CniErrorCode.DecodingFailure, Fails("""{"cniVersion":"1.0.0","name":"n","ipam":{""").Code);

    [Fact]
    public void Cni_args_ip_is_appended_trimmed_and_gateway_applies_to_those_in_its_subnet()
    {
        var config = Parse(Net(""","addresses":[{"address":"10.5.9.9/16"}]"""), "IP=10.5.0.3/16, 10.6.0.4/24 ,fd00::3/64;GATEWAY=10.5.0.1, fd00::1");
        // Not the config address: the reference parses config addresses only after applying GATEWAY.
        Assert.Equal(["10.5.9.9/16", "10.5.0.3/16 via 10.5.0.1", "10.6.0.4/24", "fd00::3/64 via fd00::1"], Addresses(config));
    }

    [Fact]
    public void Later_cni_args_gateway_of_the_same_subnet_wins_and_empty_values_do_nothing()
    {
        Assert.Equal(["10.5.0.3/16 via 10.5.0.2"], Addresses(Parse(Net(""), "IP=10.5.0.3/16;GATEWAY=10.5.0.1,10.5.0.2")));
        Assert.Equal(["10.5.0.3/16"], Addresses(Parse(Net(""), "IP=10.5.0.3/16;GATEWAY=")));
        Assert.Empty(Parse(Net(""), "IP=;GATEWAY=10.0.0.1").Addresses);
        Assert.Equal(["10.5.0.3/16"], Addresses(Parse(Net(""), "IP=10.5.0.3/16;IP=10.5.0.3/16")));
    }

    [Theory]
    [InlineData("IP=10.1.0.1", "the 'ip' field is expected to be in CIDR notation, got: '10.1.0.1'")]
    [InlineData("IP=10.1.0.1/24,", "the 'ip' field is expected to be in CIDR notation, got: ''")]
    [InlineData("IP= bad ", "the 'ip' field is expected to be in CIDR notation, got: 'bad'")]
    [InlineData("IP=10.1.0.1/24;GATEWAY=10.1.0.9, bad", "invalid gateway address:  bad")]
    [InlineData("GATEWAY=10.1.0.9/24", "invalid gateway address: 10.1.0.9/24")]
    [InlineData("ip=10.1.0.1/24", "ARGS: unknown args [ip]")]
    [InlineData("K8S_POD_NAME=x", "ARGS: unknown args [K8S_POD_NAME]")]
    [InlineData("IP", "ARGS: invalid pair \"IP\"")]
    [InlineData("IgnoreUnknown=x", "ARGS: error parsing value of pair \"IgnoreUnknown=x\": unknown boolean value")]
    public void Bad_cni_args_are_invalid_environment(string cniArgs, string message)
    {
        var e = Fails(Net(""), cniArgs);
        Assert.Equal(CniErrorCode.InvalidEnvironmentVariables, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Unknown_cni_args_pass_with_ignore_unknown() =>
        Assert.Equal(["10.1.0.1/24"], Addresses(Parse(Net(""), "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.1/24")));

    [Fact]
    public void Args_cni_ips_replace_config_and_cni_args_addresses_and_drop_their_gateways()
    {
        var config = Parse(Net(""","addresses":[{"address":"not-even-checked","gateway":"10.1.0.1"}]""", extra: ""","args":{"cni":{"ips":["10.1.0.5/24","fd00::5/64"]}}"""),
            "IP=10.1.0.6/24;GATEWAY=10.1.0.1");
        Assert.Equal(["10.1.0.5/24", "fd00::5/64"], Addresses(config));
    }

    [Fact]
    public void Runtime_config_ips_replace_args_cni_ips()
    {
        var config = Parse(Net(""","addresses":[{"address":"10.0.0.1/8"}]""",
            extra: ""","args":{"cni":{"ips":["10.1.0.5/24"]}},"runtimeConfig":{"ips":["10.2.0.5/24"]}"""));
        Assert.Equal(["10.2.0.5/24"], Addresses(config));
    }

    [Fact]
    public void Empty_requested_lists_replace_nothing()
    {
        var config = Parse(Net(""","addresses":[{"address":"10.0.0.1/8"}]""", extra: ""","args":{"cni":{"ips":[]}},"runtimeConfig":{"ips":[]}"""));
        Assert.Equal(["10.0.0.1/8"], Addresses(config));
    }

    [Theory]
    [InlineData(""","args":{"cni":{"ips":["10.1.0.5/24","10.1.0.6"]}}""", "10.1.0.6", "args.cni.ips[1]")]
    [InlineData(""","args":{"cni":{"ips":[null]}}""", "", "args.cni.ips[0]")]
    [InlineData(""","runtimeConfig":{"ips":["x"]}""", "x", "runtimeConfig.ips[0]")]
    public void Requested_ips_not_in_cidr_notation_are_refused(string extra, string shown, string field)
    {
        var e = Fails(Net("", extra: extra));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal($"an entry in the 'ips' field is NOT in CIDR notation, got: '{shown}'", e.Message);
        Assert.Equal(field, e.Details);
    }

    [Fact]
    public void Cni_args_are_checked_before_requested_ips_and_those_before_config_addresses()
    {
        var bad = Net(""","addresses":[{"address":"x"}]""", extra: ""","args":{"cni":{"ips":["y"]}}""");
        Assert.Contains("'ip' field", Fails(bad, "IP=z").Message, StringComparison.Ordinal);
        Assert.Contains("'ips' field", Fails(bad).Message, StringComparison.Ordinal);
        Assert.Contains("'address' field", Fails(Net(""","addresses":[{"address":"x"}]""")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.1.0")]
    [InlineData("0.2.0")]
    [InlineData("")]
    public void More_than_one_address_per_family_needs_0_3_0(string version)
    {
        foreach (var addresses in new[] { """[{"address":"10.0.0.1/8"},{"address":"10.0.0.2/8"}]""", """[{"address":"fd00::1/64"},{"address":"fd00::2/64"}]""" })
        {
            var e = Fails(Net($""","addresses":{addresses}""", version));
            Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
            Assert.Equal($"CNI version {version} does not support more than 1 address per family", e.Message);
        }

        // The rule counts the final list, wherever it came from.
        Assert.Throws<CniException>(() => Parse(Net(""","addresses":[{"address":"10.0.0.1/8"}]""", version), "IP=10.0.0.2/8"));
        Assert.Equal(2, Parse(Net(""","addresses":[{"address":"10.0.0.1/8"},{"address":"fd00::1/64"}]""", version)).Addresses.Count);
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void From_0_3_0_any_number_of_addresses_is_fine(string version) =>
        Assert.Equal(3, Parse(Net(""","addresses":[{"address":"10.0.0.1/8"},{"address":"10.0.0.2/8"},{"address":"10.0.0.3/8"}]""", version)).Addresses.Count);
}
