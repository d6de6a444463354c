using System.Net;
using CniPlugins.Dhcp.Protocol;
using Xunit;

namespace Dhcp.Tests;

public sealed class DhcpOptionTests
{
    [Theory]
    [InlineData("dhcp-client-identifier", 61)]
    [InlineData("subnet-mask", 1)]
    [InlineData("routers", 3)]
    [InlineData("host-name", 12)]
    [InlineData("user-class", 77)]
    [InlineData("vendor-class-identifier", 60)]
    [InlineData("0", 0)]
    [InlineData("121", 121)]
    [InlineData("255", 255)]
    [InlineData("007", 7)]
    public void An_option_is_a_reference_name_or_a_decimal_code(string option, byte code) => Assert.Equal(code, DhcpOption.ParseCode(option));

    // strconv.ParseUint(option, 10, 8)'s texts, wrapped as the reference wraps them.
    [Theory]
    [InlineData("256", "value out of range")]
    [InlineData("99999999999999999999999", "value out of range")]
    [InlineData("Routers", "invalid syntax")]
    [InlineData("", "invalid syntax")]
    [InlineData("-1", "invalid syntax")]
    [InlineData("+1", "invalid syntax")]
    [InlineData(" 1", "invalid syntax")]
    public void Anything_else_is_refused_with_the_references_message(string option, string why)
    {
        var error = Assert.Throws<FormatException>(() => DhcpOption.ParseCode(option));
        Assert.Equal($"Can not parse option \"{option}\": Can not parse option: strconv.ParseUint: parsing \"{option}\": {why}", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 255, 255, 255, 0 }, 24)]
    [InlineData(new byte[] { 255, 255, 255, 255 }, 32)]
    [InlineData(new byte[] { 0, 0, 0, 0 }, 0)]
    [InlineData(new byte[] { 255, 255, 128, 0 }, 17)]
    [InlineData(new byte[] { 128, 0, 0, 0 }, 1)]
    public void A_contiguous_mask_gives_its_prefix_length(byte[] mask, int prefix) => Assert.Equal(prefix, DhcpOption.PrefixLength(mask));

    [Theory]
    [InlineData(new byte[] { 255, 0, 255, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 1 })]
    [InlineData(new byte[] { 255, 255, 255 })]
    [InlineData(new byte[] { 255, 255, 255, 0, 0 })]
    public void A_malformed_mask_has_no_prefix_length(byte[] mask) => Assert.Null(DhcpOption.PrefixLength(mask));

    [Fact]
    public void No_mask_has_no_prefix_length() => Assert.Null(DhcpOption.PrefixLength(null));

    [Fact]
    public void Classless_routes_read_rfc_3442s_compact_destinations()
    {
        // RFC 3442 section 1's examples: 0/0, 10/8, 10.17/16, 10.27.129/24, 10.229.0.128/25; the last on-link.
        byte[] value =
        [
            0, 10, 0, 0, 1,
            8, 10, 10, 0, 0, 1,
            16, 10, 17, 10, 0, 0, 1,
            24, 10, 27, 129, 10, 0, 0, 1,
            25, 10, 229, 0, 128, 0, 0, 0, 0,
        ];
        var routes = DhcpOption.ParseClasslessRoutes(value)!;
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8", "10.17.0.0/16", "10.27.129.0/24", "10.229.0.128/25"], routes.Select(r => r.Dst.ToString()));
        Assert.Equal(["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.1", "0.0.0.0"], routes.Select(r => r.Router.ToString()));
    }

    [Fact]
    public void Host_bits_beyond_the_width_are_masked_off()
    {
        // Width 20 sends three octets; the low four bits of the third are not part of the destination.
        var route = Assert.Single(DhcpOption.ParseClasslessRoutes([20, 172, 16, 0xff, 192, 168, 0, 1])!);
        Assert.Equal("172.16.240.0/20", route.Dst.ToString());
        Assert.Equal(IPAddress.Parse("192.168.0.1"), route.Router);
    }

    [Theory]
    [InlineData(new byte[] { 33, 1, 2, 3, 4, 5, 10, 0, 0, 1 })]
    [InlineData(new byte[] { 24, 10, 0, 0, 10, 0, 0 })]
    [InlineData(new byte[] { 0, 10, 0, 0, 1, 8 })]
    public void A_malformed_classless_option_is_refused_whole(byte[] value) => Assert.Null(DhcpOption.ParseClasslessRoutes(value));

    [Fact]
    public void Static_routes_take_the_destinations_classful_mask()
    {
        byte[] value =
        [
            10, 0, 0, 0, 192, 168, 1, 1,
            172, 16, 0, 0, 192, 168, 1, 2,
            192, 0, 2, 0, 192, 168, 1, 3,
            224, 1, 2, 0, 192, 168, 1, 4,
        ];
        var routes = DhcpOption.ParseStaticRoutes(value);
        Assert.Equal(["10.0.0.0/8", "172.16.0.0/16", "192.0.2.0/24", "224.1.2.0/24"], routes.Select(r => r.Dst.ToString()));
        Assert.Equal(["192.168.1.1", "192.168.1.2", "192.168.1.3", "192.168.1.4"], routes.Select(r => r.Router.ToString()));
    }

    [Fact]
    public void A_trailing_partial_static_route_is_dropped_as_the_reference_does() =>
        Assert.Single(DhcpOption.ParseStaticRoutes([10, 0, 0, 0, 192, 168, 1, 1, 10, 0, 0]));
}
