using System.ComponentModel;
using System.Diagnostics;
using LibCni.Types;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LibCni.Runtime;

/// <summary>
/// Runs plugin binaries as child processes, the only place in the runtime that does. Behaves like Go's
/// <c>invoke.RawExec</c>: the runtime's whole environment plus the CNI_* variables, stdin from the request,
/// stdout captured, stderr copied to <see cref="Stderr"/> on success, "text file busy" retried.
/// </summary>
public sealed class ProcessPluginExecutor : IPluginExecutor
{
    private const int TextFileBusy = 26; // ETXTBSY: the binary is still open for writing, e.g. being copied in.
    private const int MaxAttempts = 6;

    private readonly ILogger _logger;

    /// <summary>Creates an executor.</summary>
    /// <param name="timeout">Kill a plugin that runs longer than this; null (the default, as in Go) waits forever.</param>
    /// <param name="logger">Where to log each call; quiet by default.</param>
    public ProcessPluginExecutor(TimeSpan? timeout = null, ILogger? logger = null)
    {
        Timeout = timeout;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The per-call time limit, or null for none.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Where a successful plugin's stderr goes; the runtime's stderr by default, null to drop it.</summary>
    public TextWriter? Stderr { get; init; } = Console.Error;

    /// <summary>The pause before retrying a binary that is busy being written (1 s, as in Go).</summary>
    public TimeSpan TextFileBusyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    public string FindInPath(string type, IReadOnlyList<string> paths) => PluginFinder.FindInPath(type, paths);

    /// <inheritdoc/>
    public async Task<byte[]> ExecutePluginAsync(string pluginPath, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken)
    {
        _logger.LogDebug("exec {Plugin} CNI_COMMAND={Command} CNI_CONTAINERID={ContainerId} CNI_IFNAME={IfName}",
            pluginPath, environment.Command, environment.ContainerId, environment.IfName);
        for (var attempt = 1; ; attempt++)
        {
            Process process;
            try
            {
                process = Start(pluginPath, environment);
            }
            catch (Win32Exception e) when (e.NativeErrorCode == TextFileBusy && attempt < MaxAttempts)
            {
                _logger.LogDebug("{Plugin} is busy being written (attempt {Attempt}), retrying", pluginPath, attempt);
                await Task.Delay(TextFileBusyDelay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Win32Exception e)
            {
                throw new CniException(CniErrorCode.Unknown,
                    $"netplugin failed with no error message: fork/exec {pluginPath}: {new Win32Exception(e.NativeErrorCode).Message}");
            }

            using (process)
            {
                return await RunAsync(process, pluginPath, stdin, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Process Start(string pluginPath, PluginEnvironment environment)
    {
        var info = new ProcessStartInfo(pluginPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment.Variables)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new CniRuntimeException($"cannot start {pluginPath}");
    }

    private async Task<byte[]> RunAsync(Process process, string pluginPath, byte[] stdin, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Timeout is { } timeout)
        {
            limit.CancelAfter(timeout);
        }

        var stdout = ReadAllAsync(process.StandardOutput.BaseStream);
        var stderr = ReadAllAsync(process.StandardError.BaseStream);
        try
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, limit.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The plugin exited without reading all of stdin; its exit status tells the rest.
            }

            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("{Plugin} was cancelled and killed", pluginPath);
                throw;
            }

            _logger.LogWarning("{Plugin} timed out after {Timeout} and was killed", pluginPath, Timeout);
            throw new TimeoutException($"plugin {pluginPath} did not finish within {Timeout} and was killed");
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var failure = PluginFailure.FromOutput(output, errors, PluginFailure.ExitStatusText(process.ExitCode));
            _logger.LogDebug("{Plugin} failed with code {Code}: {Message}", pluginPath, failure.Code, failure.Message);
            throw failure;
        }

        if (errors.Length > 0 && Stderr is { } sink)
        {
            await sink.WriteAsync(System.Text.Encoding.UTF8.GetString(errors)).ConfigureAwait(false);
            await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return output;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
