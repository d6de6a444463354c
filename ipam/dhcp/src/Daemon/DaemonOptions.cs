using System.Globalization;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// The daemon's flags, parsed with Go's flag rules (<c>-x v</c>, <c>-x=v</c>, <c>--x</c>, bools without a value;
/// parsing stops at the first non-flag or at <c>--</c>). <c>-statedir</c> is ours: where leases are kept so a
/// restarted daemon still renews and releases them.
/// </summary>
public sealed record DaemonOptions
{
    public string PidFile { get; init; } = "";

    public string HostPrefix { get; init; } = "";

    public string SocketPath { get; init; } = DhcpPlugin.DefaultSocketPath;

    public string StateDir { get; init; } = "/run/cni/dhcp-leases";

    public bool Broadcast { get; init; }

    /// <summary>-h or -help: Go's flag package prints the usage and exits 0.</summary>
    public bool Help { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ResendMax { get; init; } = TimeSpan.FromSeconds(62);

    public TimeSpan ResendTimeout { get; init; } = TimeSpan.FromSeconds(208);

    public const string Usage = """
        Usage of dhcp daemon:
          -broadcast
            	broadcast DHCP leases
          -hostprefix string
            	optional prefix to host root
          -pidfile string
            	optional path to write daemon PID to
          -resendmax duration
            	optional dhcp client max resend delay between tries (default 1m2s)
          -resendtimeout duration
            	optional dhcp client resend timeout, no more retries after this (default 3m28s)
          -socketpath string
            	optional dhcp server socketpath (default "/run/cni/dhcp.sock")
          -statedir string
            	where leases are kept across daemon restarts (default "/run/cni/dhcp-leases")
          -timeout duration
            	optional dhcp client timeout duration for each request (default 10s)
        """;

    /// <summary>Throws <see cref="FormatException"/> with Go's message for an unknown flag or a bad value.</summary>
    public static DaemonOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DaemonOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                break;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                break;
            }

            var name = arg[(arg[1] == '-' ? 2 : 1)..];
            if (name[0] is '-' or '=')
            {
                throw new FormatException($"bad flag syntax: {arg}");
            }

            string? value = null;
            if (name.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (name is "h" or "help")
            {
                return options with { Help = true };
            }

            if (name == "broadcast")
            {
                options = options with { Broadcast = value is null || ParseBool(value, name) };
                continue;
            }

            if (name is not ("pidfile" or "hostprefix" or "socketpath" or "statedir" or "timeout" or "resendmax" or "resendtimeout"))
            {
                throw new FormatException($"flag provided but not defined: -{name}");
            }

            if (value is null)
            {
                if (++i >= args.Count)
                {
                    throw new FormatException($"flag needs an argument: -{name}");
                }

                value = args[i];
            }

            options = name switch
            {
                "pidfile" => options with { PidFile = value },
                "hostprefix" => options with { HostPrefix = value },
                "socketpath" => options with { SocketPath = value },
                "statedir" => options with { StateDir = value },
                "timeout" => options with { Timeout = ParseDuration(value, name) },
                "resendmax" => options with { ResendMax = ParseDuration(value, name) },
                _ => options with { ResendTimeout = ParseDuration(value, name) },
            };
        }

        return options;
    }

    private static bool ParseBool(string value, string name) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new FormatException($"invalid boolean value \"{value}\" for -{name}: parse error"),
    };

    /// <summary>Go's time.ParseDuration for the units that make sense here (h, m, s, ms, us, ns), with fractions.</summary>
    public static TimeSpan ParseDuration(string text, string flag)
    {
        var error = new FormatException($"invalid value \"{text}\" for flag -{flag}: parse error");
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        var total = 0.0;
        var at = 0;
        if (text.Length == 0)
        {
            throw error;
        }

        while (at < text.Length)
        {
            var start = at;
            while (at < text.Length && (char.IsAsciiDigit(text[at]) || text[at] == '.'))
            {
                at++;
            }

            if (start == at || !double.TryParse(text.AsSpan(start, at - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw error;
            }

            var unitStart = at;
            while (at < text.Length && !char.IsAsciiDigit(text[at]) && text[at] != '.')
            {
                at++;
            }

            total += text[unitStart..at] switch
            {
                "h" => number * 3600,
                "m" => number * 60,
                "s" => number,
                "ms" => number / 1e3,
                "us" or "µs" => number / 1e6,
                "ns" => number / 1e9,
                _ => throw error,
            };
        }

        return TimeSpan.FromSeconds(total);
    }
}
