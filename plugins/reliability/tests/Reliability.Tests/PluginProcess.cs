using System.Diagnostics;
using System.Text;
using LibCni.TestKit;

namespace Reliability.Tests;

/// <summary>What one exec of a plugin binary did: exit code (128+N after signal N), output, and whether it hung.</summary>
public sealed record ExecOutcome(int ExitCode, bool TimedOut, bool Killed, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}{(Killed ? " (killed)" : "")} after {Elapsed.TotalMilliseconds:F0} ms; stdout: {Clip(Stdout)}; stderr: {Clip(Stderr)}";

    private static string Clip(string text) => text.Length > 600 ? text[..600] + "..." : text;
}

/// <summary>
/// Execs a published plugin the way a runtime does: a clean environment holding only the CNI_* variables,
/// the config on stdin, optionally inside a "host" netns (nsenter, which execs in place so the pid we
/// kill is the plugin's), and a scratch working directory so a relative path cannot land in the repo.
/// </summary>
public static class PluginProcess
{
    /// <summary>Runs to completion, killing the plugin after <paramref name="timeout"/> (reported as a hang).</summary>
    public static ExecOutcome Run(string plugin, string? hostNetns, IReadOnlyDictionary<string, string?> env, byte[] stdin, TimeSpan timeout, string workDir) =>
        Run(plugin, hostNetns, env, stdin, workDir, killAfter: null, timeout);

    /// <summary>Starts the plugin and SIGKILLs it from outside after <paramref name="killAfter"/>, unless it ended first.</summary>
    public static ExecOutcome RunAndKill(string plugin, string? hostNetns, IReadOnlyDictionary<string, string?> env, byte[] stdin, TimeSpan killAfter, string workDir) =>
        Run(plugin, hostNetns, env, stdin, workDir, killAfter, TimeSpan.FromSeconds(60));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static ExecOutcome Run(string plugin, string? hostNetns, IReadOnlyDictionary<string, string?> env, byte[] stdin, string workDir, TimeSpan? killAfter, TimeSpan timeout)
    {
        var binary = Path.Combine(Repo.BinDir, plugin);
        var info = hostNetns is null ? new ProcessStartInfo(binary) : new ProcessStartInfo("nsenter");
        if (hostNetns is not null)
        {
            info.ArgumentList.Add($"--net=/run/netns/{hostNetns}");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(binary);
        }

        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = workDir;
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (name, value) in env)
        {
            if (value is not null)
            {
                info.Environment[name] = value;
            }
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {binary}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(() =>
        {
            try
            {
                process.StandardInput.BaseStream.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The plugin stopped reading (it rejected the input, or was killed): that is its answer.
            }
        });

        var killed = false;
        var timedOut = false;
        if (killAfter is { } delay)
        {
            if (!process.WaitForExit(delay))
            {
                process.Kill();
                killed = true;
            }
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            timedOut = true;
        }

        process.WaitForExit();
        feed.Wait();
        return new ExecOutcome(process.ExitCode, timedOut, killed, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
