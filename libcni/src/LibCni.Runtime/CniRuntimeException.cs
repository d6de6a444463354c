using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// An error of the runtime side: a config that cannot be loaded, a plugin that cannot be found, or a plugin
/// failure wrapped with the plugin it came from. The message has the Go libcni text.
/// </summary>
public class CniRuntimeException : Exception
{
    /// <summary>Creates an error with a message and optionally the error it wraps.</summary>
    public CniRuntimeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates an error that stands for several (GC and validation go on after a failure).</summary>
    /// <param name="errors">The errors, in the order they happened.</param>
    /// <param name="message">The combined text; by default the errors' texts one per line, as Go's <c>errors.Join</c>.</param>
    public CniRuntimeException(IReadOnlyList<Exception> errors, string? message = null)
        : base(message ?? string.Join("\n", errors.Select(e => e.Message)), errors.Count == 1 ? errors[0] : null)
    {
        Errors = errors;
    }

    /// <summary>Every error this one stands for; a single-element list for an ordinary error.</summary>
    public IReadOnlyList<Exception> Errors { get; } = [];

    /// <summary>
    /// The structured error a plugin printed (code, msg, details), found anywhere in the chain of inner
    /// errors, or null when the failure did not come from a plugin.
    /// </summary>
    public CniException? PluginError
    {
        get
        {
            for (var e = InnerException; e is not null; e = e.InnerException)
            {
                if (e is CniException cni)
                {
                    return cni;
                }
            }

            return null;
        }
    }
}

/// <summary>The config directory holds no network configuration file at all.</summary>
public sealed class NoConfigsFoundException(string directory)
    : CniRuntimeException($"no net configurations found in {directory}")
{
    /// <summary>The directory that was searched.</summary>
    public string Directory { get; } = directory;
}

/// <summary>The config directory has configuration files, but none for the requested network.</summary>
public sealed class NetworkNotFoundException(string directory, string name)
    : CniRuntimeException($"no net configuration with name \"{name}\" in {directory}")
{
    /// <summary>The directory that was searched.</summary>
    public string Directory { get; } = directory;

    /// <summary>The network name that was looked for.</summary>
    public string Name { get; } = name;
}

/// <summary>CHECK of a configuration whose version is below 0.4.0 (Go <c>ErrorCheckNotSupp</c>, with its text).</summary>
public sealed class CheckNotSupportedException(string cniVersion)
    : CniRuntimeException($"configuration version {GoText.Quote(cniVersion)} does not support the CHECK command")
{
    /// <summary>The configuration's version.</summary>
    public string CniVersion { get; } = cniVersion;
}
