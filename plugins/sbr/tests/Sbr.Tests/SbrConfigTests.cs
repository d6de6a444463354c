using CniPlugins.Sbr;
using LibCni.Types;
using Xunit;

namespace Sbr.Tests;

public class SbrConfigTests
{
    private static SbrConfig Parse(string extra) =>
        SbrConfig.Parse(System.Text.Encoding.UTF8.GetBytes($$"""{"cniVersion":"1.0.0","name":"n","type":"sbr"{{extra}}}"""), "1.0.0");

    [Fact]
    public void Defaults_are_automatic_tables_without_gateways_or_hints()
    {
        var config = Parse("");
        Assert.Null(config.Table);
        Assert.Null(config.GatewayV4);
        Assert.False(config.AddSourceHints);
        Assert.Null(config.PrevResult);
    }

    [Fact]
    public void Keys_are_read()
    {
        var config = Parse(""","table":500,"gateways":["fd00::1","10.0.0.1"],"addSourceHints":true""");
        Assert.Equal(500, config.Table);
        Assert.Equal("10.0.0.1", config.GatewayV4!.ToString());
        Assert.Equal("fd00::1", config.GatewayV6!.ToString());
        Assert.True(config.AddSourceHints);
    }

    [Theory]
    [InlineData("""["10.0.0.1","10.0.0.2","fd00::1"]""", "gateways list cannot contain more than 2 entries (one IPv4, one IPv6)")]
    [InlineData("""["10.0.0.300"]""", "invalid static gateway IP address: 10.0.0.300")]
    [InlineData("""["10.0.0.1","10.0.0.2"]""", "gateways list contains multiple IPv4 addresses: 10.0.0.1 and 10.0.0.2")]
    [InlineData("""["fd00::1","fd00::2"]""", "gateways list contains multiple IPv6 addresses: fd00::1 and fd00::2")]
    public void Bad_gateways_are_config_errors(string gateways, string message)
    {
        var e = Assert.Throws<CniException>(() => Parse($$""","gateways":{{gateways}}"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_table_that_is_not_a_number_names_the_field()
    {
        var e = Assert.Throws<CniException>(() => Parse(""","table":"main" """));
        Assert.Contains("table", e.Message + e.Details, StringComparison.Ordinal);
    }
}
