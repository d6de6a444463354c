using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class MacAddressTests
{
    [Theory]
    [InlineData("c2:11:22:33:44:55", "c2:11:22:33:44:55")]
    [InlineData("C2:11:22:33:44:5A", "c2:11:22:33:44:5a")]
    [InlineData("c2-11-22-33-44-55", "c2:11:22:33:44:55")]
    [InlineData("c211.2233.4455", "c2:11:22:33:44:55")]
    [InlineData("02:00:5e:10:00:00:00:01", "02:00:5e:10:00:00:00:01")]
    [InlineData("00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01")]
    public void Every_form_of_gos_ParseMAC_is_accepted(string text, string canonical)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal(canonical, MacAddress.Format(mac));
    }

    [Theory]
    [InlineData("c2:11:22:33:44")]
    [InlineData("c2:11:22:33:44:5")]
    [InlineData("c2:11-22:33:44:55")]
    [InlineData("c2:11:22:33:44:55:66")]
    [InlineData("g2:11:22:33:44:55")]
    [InlineData("c21122334455")]
    [InlineData("c211.2233.44555")]
    [InlineData("")]
    public void Malformed_addresses_are_refused(string text)
    {
        Assert.False(MacAddress.TryParse(text, out _));
        var e = Assert.Throws<CniException>(() => MacAddress.Parse(text, "mac"));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Contains($"\"{text}\" in mac", e.Message, StringComparison.Ordinal);
    }
}
