using System.Text;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class JsonFieldsTests
{
    private static JsonFields Parse(string json) => JsonFields.Parse(Encoding.UTF8.GetBytes(json), "failed to load netconf");

    [Fact]
    public void The_shared_keys_decode_with_their_types()
    {
        var conf = CniJson.Decode("""
            {"cniVersion":"1.0.0","name":"n","type":"t","capabilities":{"portMappings":true},"ipam":{"type":"host-local"},
             "dns":{"nameservers":["10.0.0.1"],"search":["a"]},"args":{"cni":{}},"prevResult":{"cniVersion":"1.0.0"}}
            """u8.ToArray(), NetConf.Read, "failed to load netconf");
        Assert.Equal(("1.0.0", "n", "t"), (conf.CniVersion, conf.Name, conf.Type));
        Assert.True(conf.Capabilities!["portMappings"]);
        Assert.Equal("host-local", conf.IpamType);
        Assert.Equal(["10.0.0.1"], conf.Dns!.Nameservers!);
        Assert.True(conf.HasPrevResult);
        Assert.Equal(JsonValueKind.Object, conf.Args!.Value.ValueKind);
    }

    [Fact]
    public void Ipam_type_and_the_mac_readers_match_keys_case_insensitively_as_go_does()
    {
        var conf = CniJson.Decode("""
            {"cniVersion":"1.0.0","name":"n","IPAM":{"Type":"host-local"},"RuntimeConfig":{"MAC":"0a:58:00:00:00:01"},"Args":{"CNI":{"Mac":"0a:58:00:00:00:02"}}}
            """u8.ToArray(), NetConf.Read, "failed to load netconf");
        Assert.Equal("host-local", conf.IpamType);
        Assert.Equal("0a:58:00:00:00:01", conf.RuntimeConfigString("mac"));
        Assert.Equal("0a:58:00:00:00:02", conf.ArgsCniString("mac"));
        var e = Assert.Throws<CniException>(() => CniJson.Decode("""{"ipam":{"type":5}}"""u8.ToArray(), NetConf.Read, "failed to load netconf").IpamType);
        Assert.Equal("failed to load netconf: ipam.type: expected a string, got number 5", e.Message);
    }

    [Fact]
    public void Keys_match_case_insensitively_and_the_last_duplicate_wins_as_in_go()
    {
        var json = Parse("""{"NAME":"first","Name":"second","mtu":1,"MTU":2}""");
        Assert.Equal("second", json.String("name"));
        Assert.Equal(2, json.Int32("mtu"));
    }

    [Fact]
    public void Null_or_absent_leaves_a_field_unset()
    {
        var json = Parse("""{"isGateway":null,"name":null}""");
        Assert.Null(json.Bool("isGateway"));
        Assert.Null(json.String("name"));
        Assert.Null(json.Int32("absent"));
    }

    [Theory]
    [InlineData("null", "failed to load netconf: expected an object, got null")]
    [InlineData("[1]", "failed to load netconf: expected an object, got array [1]")]
    [InlineData("""{"name":5}""", "failed to load netconf: name: expected a string, got number 5")]
    [InlineData("""{"dns":{"nameservers":"8.8.8.8"}}""", "failed to load netconf: dns.nameservers: expected an array, got string \"8.8.8.8\"")]
    [InlineData("""{"dns":{"search":["a",7]}}""", "failed to load netconf: dns.search[1]: expected a string, got number 7")]
    [InlineData("""{"capabilities":{"portMappings":"yes"}}""", "failed to load netconf: capabilities.portMappings: expected a boolean, got string \"yes\"")]
    [InlineData("{", "failed to load netconf: Expected depth to be zero")]
    public void Json_that_does_not_fit_is_code_2_naming_the_field_and_value(string json, string message)
    {
        var e = Assert.Throws<CniException>(() => CniJson.Decode(Encoding.UTF8.GetBytes(json), NetConf.Read, "failed to load netconf"));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"mtu":1.5}""", "mtu: expected an integer, got number 1.5")]
    [InlineData("""{"mtu":4294967296}""", "mtu: expected an integer, got number 4294967296")]
    [InlineData("""{"mtu":"1500"}""", "mtu: expected an integer, got string \"1500\"")]
    [InlineData("""{"mtu":true}""", "mtu: expected an integer, got boolean true")]
    public void An_integer_must_be_a_whole_number_in_range(string json, string reason)
    {
        var e = Assert.Throws<CniException>(() => Parse(json).Int32("mtu"));
        Assert.Equal($"failed to load netconf: {reason}", e.Message);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_a_decoding_error_naming_its_field()
    {
        byte[] json = [.. "{\"name\":\""u8, 0xff, 0xfe, .. "\"}"u8];
        var e = Assert.Throws<CniException>(() => JsonFields.Parse(json, "failed to load netconf").String("name"));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Equal("failed to load netconf: name: a string that is not valid UTF-8", e.Message);
    }

    [Fact]
    public void Nested_objects_and_arrays_name_their_path()
    {
        var json = Parse("""{"ipam":{"ranges":[[{"subnet":"10.0.0.0/24"},{"subnet":1}]]}}""");
        var ipam = json.Object("ipam")!.Value;
        var e = Assert.Throws<CniException>(() =>
            ipam.List("ranges", (set, setPath) => ipam.ListValue(set, setPath, (range, path) => ipam.ObjectValue(range, path).String("subnet"))));
        Assert.Equal("failed to load netconf: ipam.ranges[0][1].subnet: expected a string, got number 1", e.Message);
    }

    [Fact]
    public void A_long_value_is_shortened_in_the_message()
    {
        var e = Assert.Throws<CniException>(() => Parse($$"""{"name":[{{string.Join(",", Enumerable.Repeat("12345", 40))}}]}""").String("name"));
        Assert.EndsWith("…", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 140, e.Message);
    }

    [Theory]
    [InlineData("""{"gw":"10.0.0.300"}""", "failed to load netconf: gw: invalid IP address: 10.0.0.300")]
    [InlineData("""{"dst":"10.0.0.0/33"}""", "failed to load netconf: dst: invalid CIDR address: 10.0.0.0/33")]
    public void Addresses_are_checked_where_they_are_read(string json, string message)
    {
        var fields = Parse(json);
        var e = Assert.Throws<CniException>(() => (object?)fields.Ip("gw") ?? fields.Cidr("dst"));
        Assert.Equal(message, e.Message);
    }
}
