namespace CniPlugins.Installer;

/// <summary>Installs every staged plugin, then optionally a network config, logging one line per file.</summary>
internal sealed class PluginInstaller(InstallerOptions options, TextWriter log)
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Config = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(10);

    /// <summary>Returns the number of plugins installed; throws when there is nothing to install.</summary>
    public int Install()
    {
        if (!Directory.Exists(options.Source))
        {
            throw new InstallerException($"--source '{options.Source}' is not a directory");
        }

        // Plugins are the regular files (or links to them) in the staging dir; dotfiles are not plugins.
        var plugins = Directory.EnumerateFiles(options.Source)
            .Where(path => !Path.GetFileName(path).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (plugins.Count == 0)
        {
            throw new InstallerException($"--source '{options.Source}' holds no plugins");
        }

        Directory.CreateDirectory(options.Destination);
        foreach (var stale in AtomicFile.RemoveStaleTempFiles(options.Destination, StaleTempAge))
        {
            log.WriteLine($"removed stale temp file {stale}");
        }

        foreach (var plugin in plugins)
        {
            var target = Path.Combine(options.Destination, Path.GetFileName(plugin));
            AtomicFile.Copy(plugin, target, Executable, overwrite: true);
            log.WriteLine($"installed {target} (mode 0755, {new FileInfo(target).Length} bytes)");
        }

        if (options.Conflist is { } conflist)
        {
            InstallConflist(conflist);
        }

        return plugins.Count;
    }

    private void InstallConflist(string conflist)
    {
        if (!File.Exists(conflist))
        {
            throw new InstallerException($"--conflist '{conflist}' does not exist");
        }

        Directory.CreateDirectory(options.ConfDir);
        var target = Path.Combine(options.ConfDir, Path.GetFileName(conflist));
        log.WriteLine(AtomicFile.Copy(conflist, target, Config, options.OverwriteConflist)
            ? $"installed {target} (mode 0644)"
            : $"kept existing {target} (pass --overwrite-conflist to replace it)");
    }
}

/// <summary>A failure the operator can fix (missing dir, nothing staged); printed without a stack trace.</summary>
internal sealed class InstallerException(string message) : Exception(message);
