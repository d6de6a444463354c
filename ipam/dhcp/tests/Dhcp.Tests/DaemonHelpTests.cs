using CniPlugins.Dhcp.Daemon;
using Xunit;

namespace Dhcp.Tests;

public sealed class DaemonHelpTests
{
    [Theory]
    [InlineData("-h")]
    [InlineData("-help")]
    [InlineData("--help")]
    public void Help_is_asked_for_as_go_flags_do(string flag) => Assert.True(DaemonOptions.Parse(["-timeout", "1s", flag]).Help);

    [Fact]
    public void Daemon_help_prints_the_usage_and_exits_zero()
    {
        var error = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            Assert.Equal(0, DaemonMain.Run(["-h"]));
        }
        finally
        {
            Console.SetError(error);
        }

        Assert.Contains("-statedir string", captured.ToString(), StringComparison.Ordinal);
    }
}
