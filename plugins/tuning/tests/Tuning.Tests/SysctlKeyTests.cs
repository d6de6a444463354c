using CniPlugins.Tuning;
using LibCni.Types;
using Xunit;

namespace Tuning.Tests;

public class SysctlKeyTests
{
    [Theory]
    [InlineData("net.ipv4.conf.all.log_martians", "eth0", "net/ipv4/conf/all/log_martians")]
    [InlineData("net/ipv4/conf/all/log_martians", "eth0", "net/ipv4/conf/all/log_martians")]
    [InlineData("net.ipv4.conf.IFNAME.arp_filter", "eth0", "net/ipv4/conf/eth0/arp_filter")]
    [InlineData("net.ipv4.conf.IFNAME.arp_filter", "eth0.100", "net/ipv4/conf/eth0.100/arp_filter")]
    [InlineData("net.ipv6.conf.IFNAME.accept_ra", "br.0.1", "net/ipv6/conf/br.0.1/accept_ra")]
    [InlineData("net.ipv4.ip_forward.", "eth0", "net/ipv4/ip_forward")]
    [InlineData("/net//ipv4/ip_forward", "eth0", "net/ipv4/ip_forward")]
    [InlineData("net.core.somaxconn", "eth0", "net/core/somaxconn")]
    public void Keys_become_proc_sys_paths_with_the_interface_as_one_component(string key, string ifName, string path)
    {
        var parsed = SysctlKey.Parse(key, ifName);
        Assert.Equal(path, parsed.RelativePath);
        Assert.Equal("/proc/sys/" + path, parsed.FullPath);
        Assert.Equal(key, parsed.Key);
    }

    [Fact]
    public void Only_the_first_IFNAME_is_replaced_as_the_reference_does()
    {
        Assert.Equal("net/ipv4/conf/eth0/IFNAME", SysctlKey.Parse("net.ipv4.conf.IFNAME.IFNAME", "eth0").RelativePath);
    }

    [Theory]
    [InlineData("kernel.hostname", "only net.* sysctls")]
    [InlineData("vm.swappiness", "only net.* sysctls")]
    [InlineData("net", "only net.* sysctls")]
    [InlineData("", "empty")]
    [InlineData("net/../kernel/hostname", "\"..\"")]
    [InlineData("net/ipv4/../ipv6/conf/all/forwarding", "\"..\"")]
    [InlineData("net/ipv4/conf/all/./forwarding", "\"..\"")]
    [InlineData("../../etc/passwd", "\"..\"")]
    [InlineData("/net/../../etc/shadow", "\"..\"")]
    [InlineData("network.foo", "only net.* sysctls")]
    [InlineData("net.ipv4..ip_forward", "\"..\"")]
    [InlineData("net.ipv4.conf\0.all", "control character")]
    public void Bad_keys_are_refused_with_code_7_naming_the_key(string key, string why)
    {
        var e = Assert.Throws<CniException>(() => SysctlKey.Parse(key, "eth0"));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Contains($"\"{key}\"", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }
}
