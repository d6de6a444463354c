using CniPlugins.Ptp;
using LibCni.Netfilter.Masquerade;
using LibCni.Types;
using Xunit;

namespace Ptp.Tests;

public class PtpConfigTests
{
    private static PtpConfig Parse(string json) => PtpConfig.Parse(System.Text.Encoding.UTF8.GetBytes(json));

    private const string Ipam = "\"ipam\":{\"type\":\"host-local\"}";

    [Fact]
    public void Defaults_are_the_references()
    {
        var config = Parse($$"""{"cniVersion":"1.0.0","name":"kindnet","type":"ptp",{{Ipam}}}""");
        Assert.Equal("kindnet", config.NetworkName);
        Assert.False(config.IpMasq);
        Assert.Null(config.MasqBackend);
        Assert.Equal(0, config.Mtu);
        Assert.Equal("host-local", config.IpamType);
        Assert.Null(config.Dns);
    }

    [Fact]
    public void Every_key_is_read_case_insensitively_as_go_does()
    {
        var config = Parse("""{"cniVersion":"1.0.0","name":"n","type":"ptp","IPMASQ":true,"ipmasqbackend":"iptables","MTU":1460,"IPAM":{"Type":"static"},"dns":{"nameservers":["10.96.0.10"]}}""");
        Assert.True(config.IpMasq);
        Assert.Equal(MasqueradeBackend.IpTables, config.MasqBackend);
        Assert.Equal(1460, config.Mtu);
        Assert.Equal("static", config.IpamType);
        Assert.Equal(["10.96.0.10"], config.Dns!.Nameservers!);
    }

    [Theory]
    [InlineData("\"ipMasqBackend\":\"ebtables\",", CniErrorCode.InvalidNetworkConfig, "unknown ipmasq backend \"ebtables\"")]
    [InlineData("\"mtu\":-1,", CniErrorCode.InvalidNetworkConfig, "invalid MTU -1")]
    [InlineData("\"mtu\":\"1500\",", CniErrorCode.DecodingFailure, "failed to load netconf: mtu: expected an integer, got string \"1500\"")]
    [InlineData("\"ipMasq\":1,", CniErrorCode.DecodingFailure, "failed to load netconf: ipMasq: expected a boolean, got number 1")]
    public void Bad_values_name_their_field(string extra, int code, string message)
    {
        var e = Assert.Throws<CniException>(() => Parse($$"""{"cniVersion":"1.0.0","name":"n","type":"ptp",{{extra}}{{Ipam}}}"""));
        Assert.Equal(code, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"ipam\":{}")]
    [InlineData(",\"ipam\":{\"type\":\"\"}")]
    public void Ipam_is_required(string ipam)
    {
        var e = Assert.Throws<CniException>(() => Parse($$"""{"cniVersion":"1.0.0","name":"n","type":"ptp"{{ipam}}}"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal("IPAM config missing 'type' key", e.Message);
    }
}
