using System.Text;
using LibCni.Interop;
using LibCni.Kernel;
using LibCni.Types;

namespace LibCni.Invoke;

/// <summary>
/// Runs one plugin binary the way Go's <c>invoke.RawExec</c> does, on <see cref="PluginProcess"/>: the request
/// on stdin, stdout returned, stderr passed on to <see cref="Stderr"/> after a success and quoted in the error
/// after a failure, "text file busy" retried (the binary is still being copied in). Both the runtime
/// (LibCni.Runtime) and plugins delegating to IPAM start every plugin process here.
/// </summary>
public sealed class PluginExec
{
    /// <summary>Tries of a binary that is busy being written, as Go's six.</summary>
    public const int MaxAttempts = 6;

    /// <summary>Where a successful plugin's stderr goes; null drops it.</summary>
    public TextWriter? Stderr { get; init; }

    /// <summary>The pause before retrying a busy binary (1 s, as in Go).</summary>
    public TimeSpan TextFileBusyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Told of each busy retry: the path and the attempt that failed.</summary>
    public Action<string, int>? OnTextFileBusy { get; init; }

    /// <summary>Runs the plugin on the calling thread (plugins delegating to IPAM).</summary>
    /// <returns>The plugin's stdout.</returns>
    /// <exception cref="CniException">The plugin failed or could not be started (<see cref="PluginFailure"/>).</exception>
    public byte[] Execute(string path, byte[] stdin, IReadOnlyList<KeyValuePair<string, string>> environment, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Finish(PluginProcess.Run(path, environment, stdin, cancellationToken));
            }
            catch (ErrnoException e) when (Busy(e, path, attempt))
            {
                Task.Delay(TextFileBusyDelay, cancellationToken).GetAwaiter().GetResult();
            }
            catch (ErrnoException e) when (e.Operation.StartsWith("posix_spawn", StringComparison.Ordinal))
            {
                throw PluginFailure.StartFailure(path, e.Errno);
            }
        }
    }

    /// <summary>Runs the plugin on a thread of its own and completes when it has exited (the runtime).</summary>
    /// <inheritdoc cref="Execute"/>
    public async Task<byte[]> ExecuteAsync(string path, byte[] stdin, IReadOnlyList<KeyValuePair<string, string>> environment, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Finish(await PluginProcess.RunAsync(path, environment, stdin, cancellationToken).ConfigureAwait(false));
            }
            catch (ErrnoException e) when (Busy(e, path, attempt))
            {
                await Task.Delay(TextFileBusyDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (ErrnoException e) when (e.Operation.StartsWith("posix_spawn", StringComparison.Ordinal))
            {
                throw PluginFailure.StartFailure(path, e.Errno);
            }
        }
    }

    private bool Busy(ErrnoException e, string path, int attempt)
    {
        if (e.Errno != Errno.ETXTBSY || attempt >= MaxAttempts)
        {
            return false;
        }

        OnTextFileBusy?.Invoke(path, attempt);
        return true;
    }

    private byte[] Finish(ProcessOutput output)
    {
        if (!output.Exit.Success)
        {
            throw PluginFailure.Decode(output.Stdout, output.Stderr, output.Exit);
        }

        if (output.Stderr.Length > 0 && Stderr is { } sink)
        {
            sink.Write(Encoding.UTF8.GetString(output.Stderr));
            sink.Flush();
        }

        return output.Stdout;
    }
}

/// <summary>Environment building for plugin processes, as Go's <c>invoke.Args.AsEnv</c> and <c>DelegateArgs</c>.</summary>
public static class PluginEnvironmentVariables
{
    /// <summary>The W3C trace context variables (OpenTelemetry's environment carriers) a plugin passes on.</summary>
    public static IReadOnlyList<string> TraceContext { get; } = ["TRACEPARENT", "TRACESTATE", "BAGGAGE"];

    /// <summary>
    /// <paramref name="inherited"/> with <paramref name="overrides"/> applied: a later value of a name wins,
    /// names keep their first position (Go appends and dedups the same way).
    /// </summary>
    public static List<KeyValuePair<string, string>> Merge(IEnumerable<KeyValuePair<string, string>> inherited, IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var merged = new List<KeyValuePair<string, string>>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var variable in inherited.Concat(overrides))
        {
            if (index.TryGetValue(variable.Key, out var at))
            {
                merged[at] = variable;
            }
            else
            {
                index[variable.Key] = merged.Count;
                merged.Add(variable);
            }
        }

        return merged;
    }

    /// <summary>This process's environment, as pairs.</summary>
    public static IEnumerable<KeyValuePair<string, string>> OfProcess()
    {
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            yield return new((string)variable.Key, (string?)variable.Value ?? "");
        }
    }
}
