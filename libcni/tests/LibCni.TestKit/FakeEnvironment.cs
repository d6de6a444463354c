using System.Text;
using LibCni.Skel;

namespace LibCni.TestKit;

/// <summary>An in-memory plugin environment: variables from a dictionary, stdin from a string, captured output.</summary>
public sealed class FakeEnvironment : IPluginEnvironment
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public FakeEnvironment(string stdin = "", params (string Name, string Value)[] variables)
    {
        Stdin = stdin;
        foreach (var (name, value) in variables)
        {
            _variables[name] = value;
        }
    }

    public string Stdin { get; set; }

    public Exception? StdinFailure { get; set; }

    public StringWriter StdoutWriter { get; } = new();

    public StringWriter StderrWriter { get; } = new();

    /// <summary>When set, every write to stdout fails with this, as a write to a closed or broken fd 1 does.</summary>
    public IOException? StdoutFailure { get; set; }

    public TextWriter Stdout => StdoutFailure is null ? StdoutWriter : new FailingWriter(StdoutFailure);

    public TextWriter Stderr => StderrWriter;

    public string Output => StdoutWriter.ToString();

    public string this[string name]
    {
        set => _variables[name] = value;
    }

    public string? GetVariable(string name) => _variables.TryGetValue(name, out var value) ? value : null;

    public IEnumerable<KeyValuePair<string, string>> GetVariables() => _variables;

    public byte[] ReadStdin() => StdinFailure is not null ? throw StdinFailure : Encoding.UTF8.GetBytes(Stdin);

    /// <summary>A complete ADD/DEL/CHECK environment for one container.</summary>
    public static FakeEnvironment For(string command, string stdin, string netns = "/run/netns/test", string ifName = "eth0") =>
        new(stdin,
            ("CNI_COMMAND", command),
            ("CNI_CONTAINERID", "c0ffee"),
            ("CNI_NETNS", netns),
            ("CNI_IFNAME", ifName),
            ("CNI_PATH", "/opt/cni/bin"));

    private sealed class FailingWriter(IOException failure) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw failure;

        public override void Write(string? value) => throw failure;
    }
}

/// <summary>One in-process plugin run against a <see cref="FakeEnvironment"/>: exit code and the parsed stdout.</summary>
public static class FakeRun
{
    /// <param name="plugin">The plugin under test, on fakes.</param>
    /// <param name="command">CNI_COMMAND.</param>
    /// <param name="stdin">The whole config.</param>
    /// <param name="netns">CNI_NETNS ("" for none).</param>
    /// <param name="cniArgs">CNI_ARGS, when set.</param>
    public static (int Exit, System.Text.Json.JsonElement Output) Run(LibCni.Skel.ICniPlugin plugin, string command, string stdin, string netns = "/run/netns/ctr", string? cniArgs = null)
    {
        var env = FakeEnvironment.For(command, stdin, netns);
        if (cniArgs is not null)
        {
            env["CNI_ARGS"] = cniArgs;
        }

        var exit = new LibCni.Skel.PluginHost(plugin, "about").Run(env);
        return (exit, env.Output.Length == 0 ? default : System.Text.Json.JsonDocument.Parse(env.Output).RootElement.Clone());
    }
}
