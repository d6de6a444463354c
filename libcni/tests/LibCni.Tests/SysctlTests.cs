using LibCni.Kernel;
using Xunit;

namespace LibCni.Tests;

public class SysctlTests
{
    [Theory]
    [InlineData("eth0.1", "/proc/sys/net/ipv6/conf/eth0.1/accept_ra")]
    [InlineData("br.0", "/proc/sys/net/ipv6/conf/br.0/accept_ra")]
    [InlineData("eth0", "/proc/sys/net/ipv6/conf/eth0/accept_ra")]
    public void Interface_name_is_one_path_component_even_with_dots(string ifName, string expected) =>
        Assert.Equal(expected, Sysctl.PathOf(Sysctl.Conf("ipv6", ifName, "accept_ra")));

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("")]
    public void A_component_that_would_leave_its_directory_is_refused(string ifName) =>
        Assert.Throws<ArgumentException>(() => Sysctl.PathOf(Sysctl.Conf("ipv4", ifName, "route_localnet")));
}
