using System.Text;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class RequestedIpsTests
{
    private static JsonFields Net(string json) => JsonFields.Parse(Encoding.UTF8.GetBytes(json), "ctx");

    [Fact]
    public void Reads_args_cni_ips_and_runtime_config_ips_with_go_rules()
    {
        var net = Net("""{"ARGS":{"cni":{"ips":["10.0.0.1/24",null]}},"runtimeConfig":{"IPS":["fd00::1"]}}""");
        Assert.Equal(["10.0.0.1/24", ""], RequestedIps.FromArgs(net));
        Assert.Equal(["fd00::1"], RequestedIps.FromRuntimeConfig(net));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"args":null,"runtimeConfig":{}}""")]
    [InlineData("""{"args":{"cni":null},"runtimeConfig":{"ips":null}}""")]
    public void Absent_lists_are_null(string json)
    {
        Assert.Null(RequestedIps.FromArgs(Net(json)));
        Assert.Null(RequestedIps.FromRuntimeConfig(Net(json)));
    }

    [Theory]
    [InlineData("""{"args":{"cni":{"ips":"10.0.0.1"}}}""", "ctx: args.cni.ips: expected an array, got string \"10.0.0.1\"")]
    [InlineData("""{"args":{"cni":{"ips":[5]}}}""", "ctx: args.cni.ips[0]: expected a string, got number 5")]
    [InlineData("""{"args":5}""", "ctx: args: expected an object, got number 5")]
    public void Wrong_types_are_decoding_failures(string json, string message)
    {
        var e = Assert.Throws<CniException>(() => RequestedIps.FromArgs(Net(json)));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("10.1.2.3", RequestedPrefix.Optional, "10.1.2.3/32")]
    [InlineData("fd00::5", RequestedPrefix.Optional, "fd00::5/128")]
    [InlineData("10.1.2.3/24", RequestedPrefix.Optional, "10.1.2.3/24")]
    [InlineData("10.1.2.3/24", RequestedPrefix.Required, "10.1.2.3/24")]
    [InlineData("fd00::5/64", RequestedPrefix.Required, "fd00::5/64")]
    public void Parses_an_address_keeping_host_bits(string text, RequestedPrefix prefix, string expected)
    {
        Assert.True(RequestedIps.TryParse(text, prefix, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("10.1.2.3", RequestedPrefix.Required)]
    [InlineData("", RequestedPrefix.Optional)]
    [InlineData(null, RequestedPrefix.Optional)]
    [InlineData("10.1.2.3/33", RequestedPrefix.Optional)]
    [InlineData("1.2", RequestedPrefix.Optional)]
    [InlineData(" 10.1.2.3/24", RequestedPrefix.Required)]
    public void Refuses_what_the_rule_does_not_allow(string? text, RequestedPrefix prefix) =>
        Assert.False(RequestedIps.TryParse(text, prefix, out _));

    [Fact]
    public void ParseAll_names_the_first_bad_entry_through_the_plugins_error()
    {
        var e = Assert.Throws<CniException>(() => RequestedIps.ParseAll(["10.0.0.1/24", "bad", "worse"], RequestedIps.ArgsField, RequestedPrefix.Required,
            (value, at) => new CniException(CniErrorCode.InvalidNetworkConfig, $"bad '{value}'", at)));
        Assert.Equal("bad 'bad'", e.Message);
        Assert.Equal("args.cni.ips[1]", e.Details);
        Assert.Equal(["10.0.0.1/24", "fd00::1/64"],
            RequestedIps.ParseAll(["10.0.0.1/24", "fd00::1/64"], "f", RequestedPrefix.Required, (_, _) => new CniException(1, "unused")).Select(a => a.ToString()));
        Assert.Empty(RequestedIps.ParseAll(null, "f", RequestedPrefix.Optional, (_, _) => new CniException(1, "unused")));
    }

    [Fact]
    public void SplitList_trims_each_item_and_keeps_empty_ones() =>
        Assert.Equal(["10.0.0.1/24", "10.0.0.2/24", ""], RequestedIps.SplitList(" 10.0.0.1/24 ,10.0.0.2/24,"));
}
