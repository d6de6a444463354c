using LibCni.Kernel;

namespace LibCni.Skel;

/// <summary>Everything a plugin process reads and writes, so the host is testable without processes.</summary>
public interface IPluginEnvironment
{
    string? GetVariable(string name);

    /// <summary>Every variable, for a delegate plugin's environment (Go's <c>DelegateArgs</c> starts from all of them).</summary>
    IEnumerable<KeyValuePair<string, string>> GetVariables();

    /// <summary>Reads standard input to its end.</summary>
    byte[] ReadStdin();

    TextWriter Stdout { get; }

    TextWriter Stderr { get; }
}

/// <summary>The real process: environment variables, stdin, stdout and stderr.</summary>
public sealed class ProcessEnvironment : IPluginEnvironment
{
    public static ProcessEnvironment Instance { get; } = new();

    private ProcessEnvironment()
    {
    }

    public TextWriter Stdout { get; } = new StreamWriter(StandardStream.Output, new System.Text.UTF8Encoding(false)) { AutoFlush = true };

    public TextWriter Stderr { get; } = new StreamWriter(StandardStream.Error, new System.Text.UTF8Encoding(false)) { AutoFlush = true };

    public string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);

    public IEnumerable<KeyValuePair<string, string>> GetVariables() => Invoke.PluginEnvironmentVariables.OfProcess();

    public byte[] ReadStdin()
    {
        using var buffer = new MemoryStream();
        StandardStream.Input.CopyTo(buffer);
        return buffer.ToArray();
    }
}
