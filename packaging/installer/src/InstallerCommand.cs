using System.Reflection;
using System.Runtime.InteropServices;

namespace CniPlugins.Installer;

/// <summary>Parses the command line, installs, then exits or idles until SIGTERM.</summary>
internal static class InstallerCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        InstallerOptions options;
        try
        {
            options = InstallerOptions.Parse(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"cni-installer: {e.Message}");
            stderr.WriteLine(InstallerOptions.Usage);
            return 2;
        }

        if (options.ShowHelp)
        {
            stdout.WriteLine(InstallerOptions.Usage);
            return 0;
        }

        if (options.ShowVersion)
        {
            stdout.WriteLine($"cni-installer {Version}");
            return 0;
        }

        var log = new PrefixedLog(stdout);
        log.WriteLine($"cni-installer {Version}: installing {options.Source} -> {options.Destination}");
        try
        {
            var count = new PluginInstaller(options, log).Install();
            log.WriteLine($"done: {count} plugins in {options.Destination}");
        }
        catch (Exception e) when (e is InstallerException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"cni-installer: {e.Message}");
            return 1;
        }

        if (options.Sleep)
        {
            WaitForTermination(() => log.WriteLine("sleeping until SIGTERM"));
            log.WriteLine("terminating");
        }

        return 0;
    }

    /// <summary>Version and commit, as stamped by the build (<c>0.1.0+abcdef012345</c>).</summary>
    private static string Version =>
        typeof(InstallerCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// As PID 1 in a container the kernel ignores SIGTERM without a handler, and the pod would wait out its whole
    /// grace period; so handle it (and SIGINT for a terminal).
    /// </summary>
    private static void WaitForTermination(Action onReady)
    {
        using var terminated = new ManualResetEventSlim();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            terminated.Set();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        onReady(); // only now: a SIGTERM before the handlers exist would kill us with 143 instead of exit 0
        terminated.Wait();
    }

    /// <summary>Timestamps each line so the pod log says when a node got its plugins.</summary>
    private sealed class PrefixedLog(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void WriteLine(string? value)
        {
            inner.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {value}");
            inner.Flush();
        }
    }
}
