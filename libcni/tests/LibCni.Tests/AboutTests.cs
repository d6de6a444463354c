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
    public void A_plugin_about_line_carries_the_build_version()
    {
        // The checkout's VERSION file is what the build writes into BuildInfo; "version unknown" must not pass.
        var version = File.ReadAllText(Path.Combine(LibCni.TestKit.Repo.Root, "VERSION")).Trim();
        Assert.Matches(@"^CNI loopback plugin v" + System.Text.RegularExpressions.Regex.Escape(version) + @"( \(commit [0-9a-f]+\))?$", About.For("loopback"));
    }
}
