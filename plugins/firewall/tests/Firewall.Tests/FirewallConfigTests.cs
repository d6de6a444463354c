using System.Text;
using CniPlugins.Firewall;
using LibCni.Types;
using Xunit;

namespace Firewall.Tests;

public class FirewallConfigTests
{
    private static FirewallConfig Parse(string json, string version = "1.0.0") => FirewallConfig.Parse(Encoding.UTF8.GetBytes(json), version);

    [Fact]
    public void Defaults_are_the_references()
    {
        var config = Parse(Confs.With());
        Assert.Equal(FirewallBackend.Auto, config.Backend);
        Assert.Equal("CNI-ADMIN", config.AdminChain);
        Assert.Equal("trusted", config.FirewalldZone);
        Assert.Equal(IngressPolicy.Open, config.IngressPolicy);
        Assert.Equal(["10.88.0.5", "fd00::5"], config.Addresses.Select(a => a.ToString()));
        Assert.Equal("cni0", config.FirstInterface);
    }

    [Theory]
    [InlineData("\"\"", FirewallBackend.Auto)]
    [InlineData("\"iptables\"", FirewallBackend.Iptables)]
    [InlineData("\"firewalld\"", FirewallBackend.Firewalld)]
    [InlineData("\"nftables\"", FirewallBackend.Nftables)]
    [InlineData("null", FirewallBackend.Auto)]
    public void Backend_values(string value, FirewallBackend expected) =>
        Assert.Equal(expected, Parse(Confs.With($",\"backend\":{value}")).Backend);

    [Fact]
    public void Settings_are_read()
    {
        var config = Parse(Confs.With(",\"iptablesAdminChainName\":\"CNI-foobar\",\"firewalldZone\":\"internal\",\"ingressPolicy\":\"same-bridge\""));
        Assert.Equal("CNI-foobar", config.AdminChain);
        Assert.Equal("internal", config.FirewalldZone);
        Assert.Equal(IngressPolicy.SameBridge, config.IngressPolicy);
        Assert.Equal(IngressPolicy.Isolated, Parse(Confs.With(",\"ingressPolicy\":\"isolated\"")).IngressPolicy);
        Assert.Equal(IngressPolicy.Open, Parse(Confs.With(",\"ingressPolicy\":\"open\"")).IngressPolicy);
    }

    [Fact]
    public void Unknown_backend_is_refused_naming_the_value()
    {
        var e = Assert.Throws<CniException>(() => Parse(Confs.With(",\"backend\":\"ebtables\"")));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Contains("\"ebtables\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ingress_policy_is_refused_with_the_references_message()
    {
        var e = Assert.Throws<CniException>(() => Parse(Confs.With(",\"ingressPolicy\":\"closed\"")));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal("unknown ingress policy: \"closed\"", e.Message);
    }

    [Theory]
    [InlineData("CNI ADMIN")]
    [InlineData("-j")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ123")]
    [InlineData("a\\\"b")]
    public void Bad_admin_chain_names_are_refused(string name)
    {
        var e = Assert.Throws<CniException>(() => Parse(Confs.With($",\"iptablesAdminChainName\":\"{name}\"")));
        Assert.Contains("iptablesAdminChainName", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_json_is_a_decoding_error()
    {
        var e = Assert.Throws<CniException>(() => Parse("{\"name\":\"x\",\"backend\":5}"));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith("failed to load netconf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_prevResult_there_is_nothing_to_act_on()
    {
        var config = Parse(Confs.With(prevResult: null));
        Assert.Null(config.PrevResult);
        Assert.Empty(config.Addresses);
        Assert.Null(config.FirstInterface);
    }

    [Fact]
    public void A_040_prevResult_is_read()
    {
        var prev = """{"cniVersion":"0.4.0","interfaces":[{"name":"br0"}],"ips":[{"version":"4","address":"10.0.0.2/24","interface":0}]}""";
        var config = Parse(Confs.With(prevResult: prev, version: "0.4.0"), "0.4.0");
        Assert.Equal(["10.0.0.2"], config.Addresses.Select(a => a.ToString()));
        Assert.Equal("br0", config.FirstInterface);
    }

    [Fact]
    public void Host_prefixes_are_the_references_ipString()
    {
        Assert.Equal("10.0.0.2/32", FirewallConfig.HostPrefix(Confs.Ip("10.0.0.2")));
        Assert.Equal("2001:db8:1:2::1/128", FirewallConfig.HostPrefix(Confs.Ip("2001:db8:1:2::1")));
    }
}
