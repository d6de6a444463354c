using CniPlugins.Dhcp.Daemon;
using Xunit;

namespace Dhcp.Tests;

public sealed class DaemonOptionsTests
{
    [Fact]
    public void Go_flag_forms_are_read()
    {
        var options = DaemonOptions.Parse(["-socketpath", "/tmp/d.sock", "--timeout=2s", "-broadcast", "-resendmax", "1m30s"]);
        Assert.Equal("/tmp/d.sock", options.SocketPath);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Timeout);
        Assert.True(options.Broadcast);
        Assert.Equal(TimeSpan.FromSeconds(90), options.ResendMax);
    }

    [Fact]
    public void An_unknown_flag_is_refused_with_gos_message()
    {
        var error = Assert.Throws<FormatException>(() => DaemonOptions.Parse(["-nosuch"]));
        Assert.Equal("flag provided but not defined: -nosuch", error.Message);
    }
}
