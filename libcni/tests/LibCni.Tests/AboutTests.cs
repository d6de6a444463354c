using LibCni.Skel;
using Xunit;

namespace LibCni.Tests;

public class AboutTests
{
    [Theory]
    [InlineData("0.1.0", "1a2b3c4", "v0.1.0 (commit 1a2b3c4)")]
    [InlineData("0.1.0", "", "v0.1.0")]
    [InlineData("", "", "version unknown")]
    public void The_about_line_names_version_and_commit_when_built_with_one(string version, string commit, string expected) =>
        Assert.Equal(expected, About.Format(version, commit));

    [Fact]
    public void A_plugin_about_line_carries_the_build_version() =>
        Assert.StartsWith("CNI loopback plugin v", About.For("loopback"), StringComparison.Ordinal);
}
