using LibCni.Config;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class SpecVersionsTests
{
    [Theory]
    [InlineData("", 0, 1, 0)]
    [InlineData("1", 1, 0, 0)]
    [InlineData("0.4", 0, 4, 0)]
    [InlineData("1.1.0", 1, 1, 0)]
    public void Parses_up_to_three_numeric_parts(string text, int major, int minor, int micro) =>
        Assert.Equal((major, minor, micro), SpecVersions.Parse(text));

    [Theory]
    [InlineData("1.2.3.4", "invalid version \"1.2.3.4\": too many parts")]
    [InlineData("a.1.0", "failed to convert major version part \"a\": invalid syntax")]
    [InlineData("1..0", "failed to convert minor version part \"\": invalid syntax")]
    public void Rejects_malformed_versions(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => SpecVersions.Parse(text)).Message);

    [Fact]
    public void Compares_numerically() => Assert.True(SpecVersions.Compare("0.10.0", "0.4.0") > 0);
}

public class CniArgsTests
{
    [Fact]
    public void Empty_is_nothing() => Assert.Empty(CniArgs.Parse("").Pairs);

    [Fact]
    public void Parses_pairs_and_honours_ignore_unknown()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.0.0.5");
        Assert.Equal("10.0.0.5", args.Get("IP"));
        args.RequireKnownKeys("IP");
    }

    [Theory]
    [InlineData("IP=1;", "ARGS: invalid pair \"\"")]
    [InlineData("IP", "ARGS: invalid pair \"IP\"")]
    [InlineData("A=b=c", "ARGS: invalid pair \"A=b=c\"")]
    public void Malformed_pairs_are_code_4(string raw, string message)
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse(raw));
        Assert.Equal(4, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Unknown_keys_fail_without_ignore_unknown()
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse("K8S_POD_NAME=web;ip=1").RequireKnownKeys("IP"));
        Assert.Equal("ARGS: unknown args [K8S_POD_NAME ip]", e.Message);
    }

    [Theory]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    public void Ignore_unknown_accepts_booleans(string value, bool ignores)
    {
        var args = CniArgs.Parse($"IgnoreUnknown={value};X=1");
        if (ignores)
        {
            args.RequireKnownKeys();
        }
        else
        {
            Assert.Throws<CniException>(() => args.RequireKnownKeys());
        }
    }

    [Fact]
    public void Ignore_unknown_rejects_other_values() =>
        Assert.Throws<CniException>(() => CniArgs.Parse("IgnoreUnknown=yes").RequireKnownKeys());
}

public class IdentifiersTests
{
    [Theory]
    [InlineData("abc", true)]
    [InlineData("a_b.c-d", true)]
    [InlineData("9", true)]
    [InlineData("_a", false)]
    [InlineData("a/b", false)]
    [InlineData("a\nb", false)]
    [InlineData("", false)]
    public void Id_pattern(string id, bool valid) => Assert.Equal(valid, Identifiers.IsValidId(id));

    [Fact]
    public void Empty_container_id_is_code_3()
    {
        var e = Assert.Throws<CniException>(() => Identifiers.ValidateContainerId(""));
        Assert.Equal((3, "missing containerID"), (e.Code, e.Message));
    }

    [Fact]
    public void Fifteen_byte_interface_name_is_fine() => Identifiers.ValidateInterfaceName("abcdefghijklmno");
}

public class IpTextTests
{
    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("010.0.0.1", false)]
    [InlineData("10.1", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData(" 10.0.0.1", false)]
    public void Parses_like_the_reference(string text, bool valid) => Assert.Equal(valid, IpText.TryParse(text, out _));

    [Fact]
    public void Mapped_ipv4_is_printed_as_ipv4() => Assert.Equal("10.0.0.1", IpText.Format(IpText.Parse("::ffff:10.0.0.1")));

    [Fact]
    public void Cidr_keeps_host_bits_and_knows_its_network()
    {
        var cidr = CidrAddress.Parse("10.1.2.3/16");
        Assert.Equal("10.1.2.3/16", cidr.ToString());
        Assert.Equal("10.1.0.0", cidr.Network.ToString());
        Assert.True(cidr.Contains(IpText.Parse("10.1.255.255")));
        Assert.False(cidr.Contains(IpText.Parse("10.2.0.0")));
        Assert.Equal("10.1.255.255", IpMath.LastAddress(cidr).ToString());
    }

    [Fact]
    public void Address_arithmetic_wraps()
    {
        Assert.Equal("0.0.0.0", IpMath.Next(IpText.Parse("255.255.255.255")).ToString());
        Assert.Equal("fd00::1:0", IpMath.Next(IpText.Parse("fd00::ffff")).ToString());
        Assert.Equal("10.0.0.255", IpMath.Previous(IpText.Parse("10.0.1.0")).ToString());
    }
}
