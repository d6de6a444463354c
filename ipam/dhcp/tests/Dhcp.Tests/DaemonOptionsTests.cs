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

    [Fact]
    public void Defaults_are_the_references()
    {
        var options = DaemonOptions.Parse([]);
        Assert.Equal(("", "", "/run/cni/dhcp.sock", "/run/cni/dhcp-leases", false), (options.PidFile, options.HostPrefix, options.SocketPath, options.StateDir, options.Broadcast));
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(62), options.ResendMax);
        Assert.Equal(TimeSpan.FromSeconds(208), options.ResendTimeout);
    }

    [Fact]
    public void Every_flag_is_read()
    {
        var options = DaemonOptions.Parse(["-pidfile=/run/d.pid", "-hostprefix", "/host", "--socketpath", "/s.sock", "-statedir", "/state",
            "-broadcast=true", "-timeout", "3s", "-resendmax=1m", "-resendtimeout", "2m"]);
        Assert.Equal(new DaemonOptions
        {
            PidFile = "/run/d.pid",
            HostPrefix = "/host",
            SocketPath = "/s.sock",
            StateDir = "/state",
            Broadcast = true,
            Timeout = TimeSpan.FromSeconds(3),
            ResendMax = TimeSpan.FromMinutes(1),
            ResendTimeout = TimeSpan.FromMinutes(2),
        }, options);
    }

    [Theory]
    [InlineData("1m2s", 62_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("300ms", 300)]
    [InlineData(".5s", 500)]
    [InlineData("1.s", 1_000)]
    [InlineData("2h45m", 9_900_000)]
    [InlineData("1500us", 1.5)]
    [InlineData("1500µs", 1.5)]
    [InlineData("2000000ns", 2)]
    [InlineData("0", 0)]
    public void Go_durations_are_read(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), DaemonOptions.Parse(["-timeout", text]).Timeout);

    // Texts from Go's flag package (flag.Parse on the same definitions).
    [Theory]
    [InlineData("abc")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("1s2")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData("1..5s")]
    public void A_bad_duration_is_refused_with_gos_message(string text)
    {
        var error = Assert.Throws<FormatException>(() => DaemonOptions.Parse(["-resendtimeout", text]));
        Assert.Equal($"invalid value \"{text}\" for flag -resendtimeout: parse error", error.Message);
    }

    [Fact]
    public void A_bad_boolean_is_refused_with_gos_message()
    {
        var error = Assert.Throws<FormatException>(() => DaemonOptions.Parse(["-broadcast=x"]));
        Assert.Equal("invalid boolean value \"x\" for -broadcast: parse error", error.Message);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("T", true)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    public void A_boolean_takes_its_value_only_after_an_equals_sign(string value, bool expected) =>
        Assert.Equal(expected, DaemonOptions.Parse(["-broadcast=" + value]).Broadcast);

    [Fact]
    public void A_value_after_a_bare_boolean_is_not_consumed_and_ends_parsing()
    {
        // Go: "-broadcast true" sets broadcast and leaves "true" as the first argument, stopping there.
        var options = DaemonOptions.Parse(["-broadcast", "true", "-timeout", "1s"]);
        Assert.True(options.Broadcast);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
    }

    [Fact]
    public void A_flag_without_its_value_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => DaemonOptions.Parse(["-timeout"]));
        Assert.Equal("flag needs an argument: -timeout", error.Message);
    }

    [Fact]
    public void The_next_argument_is_a_value_even_if_it_looks_like_a_flag() =>
        Assert.Equal("-broadcast", DaemonOptions.Parse(["-socketpath", "-broadcast"]).SocketPath);

    [Fact]
    public void An_empty_value_after_an_equals_sign_is_a_value() =>
        Assert.Equal("", DaemonOptions.Parse(["-socketpath="]).SocketPath);

    [Theory]
    [InlineData("---timeout")]
    [InlineData("-=x")]
    [InlineData("--=x")]
    public void Bad_flag_syntax_is_refused_with_gos_message(string arg)
    {
        var error = Assert.Throws<FormatException>(() => DaemonOptions.Parse([arg, "1s"]));
        Assert.Equal($"bad flag syntax: {arg}", error.Message);
    }

    [Theory]
    [InlineData("--")]
    [InlineData("-")]
    [InlineData("x")]
    public void Parsing_stops_at_a_terminator_or_a_non_flag(string stop) =>
        Assert.False(DaemonOptions.Parse([stop, "-broadcast"]).Broadcast);
}
