namespace CniPlugins.Installer;

/// <summary>A command line the installer cannot act on; printed with the usage text, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What to install where. Defaults fit the DaemonSet: the image's staging dir onto the host mounts.</summary>
internal sealed record InstallerOptions
{
    public const string Usage = """
        usage: cni-installer [--source DIR] [--dest DIR] [--conflist FILE [--conf-dir DIR] [--overwrite-conflist]] [--sleep]

          --source DIR            plugins to install (default /opt/cni/bin-staging)
          --dest DIR              host plugin directory, usually a hostPath mount (default /host/opt/cni/bin)
          --conflist FILE         also drop this network config into --conf-dir, only if no file of that name is there
          --conf-dir DIR          host network config directory (default /host/etc/cni/net.d)
          --overwrite-conflist    replace an existing config of the same name
          --sleep                 stay idle after installing until SIGTERM, as a DaemonSet container must
          --version               print the version and exit
        Every file lands atomically: written to a temp file beside the target, fsynced, chmodded, renamed over it.
        """;

    public string Source { get; init; } = "/opt/cni/bin-staging";

    public string Destination { get; init; } = "/host/opt/cni/bin";

    public string? Conflist { get; init; }

    public string ConfDir { get; init; } = "/host/etc/cni/net.d";

    public bool OverwriteConflist { get; init; }

    public bool Sleep { get; init; }

    public bool ShowHelp { get; init; }

    public bool ShowVersion { get; init; }

    /// <summary>Accepts <c>--name value</c> and <c>--name=value</c>; anything unknown is an error, never ignored.</summary>
    public static InstallerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new InstallerOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitOption(args[i]);
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue.Length > 0 ? inlineValue : throw new UsageException($"{name} needs a non-empty value");
                }

                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{name} needs a value");
                }

                return args[++i];
            }

            void NoValue()
            {
                if (inlineValue is not null)
                {
                    throw new UsageException($"{name} takes no value, got '{inlineValue}'");
                }
            }

            switch (name)
            {
                case "--source": options = options with { Source = Value() }; break;
                case "--dest": options = options with { Destination = Value() }; break;
                case "--conflist": options = options with { Conflist = Value() }; break;
                case "--conf-dir": options = options with { ConfDir = Value() }; break;
                case "--overwrite-conflist": NoValue(); options = options with { OverwriteConflist = true }; break;
                case "--sleep": NoValue(); options = options with { Sleep = true }; break;
                case "--version": NoValue(); options = options with { ShowVersion = true }; break;
                case "-h" or "--help": options = options with { ShowHelp = true }; break;
                default: throw new UsageException($"unknown argument '{args[i]}'");
            }
        }

        if (options.OverwriteConflist && options.Conflist is null)
        {
            throw new UsageException("--overwrite-conflist needs --conflist");
        }

        if (Path.GetFullPath(options.Source) == Path.GetFullPath(options.Destination))
        {
            throw new UsageException($"--source and --dest are the same directory '{options.Source}'");
        }

        return options;
    }

    private static (string Name, string? InlineValue) SplitOption(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}
