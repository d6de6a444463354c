using LibCni.Invoke;
using LibCni.Types;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LibCni.Runtime;

/// <summary>
/// Runs plugin binaries as child processes through LibCni's invocation layer (<see cref="PluginExec"/>), as
/// Go's <c>invoke.RawExec</c>: the runtime's environment plus the CNI_* and trace context variables, stdin
/// from the request, stdout captured, stderr copied to <see cref="Stderr"/> on success, "text file busy" retried.
/// </summary>
public sealed class ProcessPluginExecutor : IPluginExecutor
{
    private readonly ILogger _logger;
    private readonly IReadOnlyList<KeyValuePair<string, string>>? _inherited;

    /// <summary>Creates an executor.</summary>
    /// <param name="timeout">Kill a plugin that runs longer than this; null (the default, as in Go) waits forever.</param>
    /// <param name="logger">Where to log each call; quiet by default.</param>
    /// <param name="inheritedEnvironment">The variables every plugin inherits; this process's environment (read per call) by default.</param>
    public ProcessPluginExecutor(TimeSpan? timeout = null, ILogger? logger = null, IReadOnlyList<KeyValuePair<string, string>>? inheritedEnvironment = null)
    {
        Timeout = timeout;
        _logger = logger ?? NullLogger.Instance;
        _inherited = inheritedEnvironment;
    }

    /// <summary>The per-call time limit, or null for none.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Where a successful plugin's stderr goes; the runtime's stderr by default, null to drop it.</summary>
    public TextWriter? Stderr { get; init; } = Console.Error;

    /// <summary>The pause before retrying a binary that is busy being written (1 s, as in Go).</summary>
    public TimeSpan TextFileBusyDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    public string FindInPath(string type, IReadOnlyList<string> paths)
    {
        try
        {
            return PluginLocator.FindInPath(type, paths);
        }
        catch (PluginLookupException e)
        {
            throw new CniRuntimeException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]> ExecutePluginAsync(string pluginPath, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken)
    {
        _logger.LogDebug("exec {Plugin} CNI_COMMAND={Command} CNI_CONTAINERID={ContainerId} CNI_IFNAME={IfName}",
            pluginPath, environment.Command, environment.ContainerId, environment.IfName);
        var exec = new PluginExec
        {
            Stderr = Stderr,
            TextFileBusyDelay = TextFileBusyDelay,
            OnTextFileBusy = (path, attempt) => _logger.LogDebug("{Plugin} is busy being written (attempt {Attempt}), retrying", path, attempt),
        };
        var variables = PluginEnvironmentVariables.Merge(_inherited ?? PluginEnvironmentVariables.OfProcess(), environment.Variables);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Timeout is { } timeout)
        {
            limit.CancelAfter(timeout);
        }

        try
        {
            return await exec.ExecuteAsync(pluginPath, stdin, variables, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("{Plugin} timed out after {Timeout} and was killed", pluginPath, Timeout);
            throw new TimeoutException($"plugin {pluginPath} did not finish within {Timeout} and was killed");
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("{Plugin} was cancelled and killed", pluginPath);
            throw;
        }
        catch (CniException e)
        {
            _logger.LogDebug("{Plugin} failed with code {Code}: {Message}", pluginPath, e.Code, e.Message);
            throw;
        }
    }
}
