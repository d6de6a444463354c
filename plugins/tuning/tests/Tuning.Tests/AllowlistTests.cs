using CniPlugins.Tuning;
using LibCni.Types;
using Xunit;

namespace Tuning.Tests;

public class AllowlistTests
{
    [Fact]
    public void Lines_are_trimmed_regexes_blank_lines_skipped_and_matching_is_unanchored()
    {
        var allowlist = Allowlist.Parse("  ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$ \n\n\t\nsomaxconn\n");
        Assert.Equal(["^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$", "somaxconn"], allowlist.Patterns);
        Assert.True(allowlist.Allows("net.ipv4.conf.IFNAME.arp_filter"));
        Assert.True(allowlist.Allows("net.core.somaxconn"));
        Assert.False(allowlist.Allows("net.ipv4.conf.all.forwarding"));
    }

    [Fact]
    public void A_key_outside_the_list_is_refused_with_the_reference_message()
    {
        var allowlist = Allowlist.Parse("^net\\.core\\.somaxconn$\n^net\\.ipv4\\.ip_forward$\n");
        allowlist.Require(["net.core.somaxconn"]);
        var e = Assert.Throws<CniException>(() => allowlist.Require(["net.core.somaxconn", "net.ipv4.conf.all.log_martians"]));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Equal("Sysctl net.ipv4.conf.all.log_martians is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$ ^net\\.ipv4\\.ip_forward$]", e.Message);
    }

    [Fact]
    public void An_empty_file_allows_nothing()
    {
        Assert.False(Allowlist.Parse("\n").Allows("net.core.somaxconn"));
    }

    [Fact]
    public void A_bad_expression_is_a_config_error_naming_it()
    {
        var e = Assert.Throws<CniException>(() => Allowlist.Parse("net(\n"));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
        Assert.Contains("\"net(\"", e.Message, StringComparison.Ordinal);
    }
}
