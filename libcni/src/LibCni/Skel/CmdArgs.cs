using LibCni.Config;

namespace LibCni.Skel;

/// <summary>One invocation's inputs, validated by the host before a plugin sees them.</summary>
public sealed class CmdArgs
{
    private CniArgs? _parsedArgs;

    public required string Command { get; init; }

    public string ContainerId { get; init; } = "";

    public string Netns { get; init; } = "";

    public string IfName { get; init; } = "";

    /// <summary>The raw <c>CNI_ARGS</c> value.</summary>
    public string Args { get; init; } = "";

    /// <summary>The raw <c>CNI_PATH</c> value.</summary>
    public string Path { get; init; } = "";

    public byte[] StdinData { get; init; } = [];

    /// <summary>The config's <c>cniVersion</c> (empty stays empty; it means 0.1.0).</summary>
    public string ConfigVersion { get; init; } = "";

    /// <summary>Free-form log output (stderr).</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>The looked-up environment, for delegating to another plugin with the same variables.</summary>
    public IPluginEnvironment? Environment { get; init; }

    /// <summary><c>CNI_ARGS</c> parsed with the reference's rules; throws on a malformed pair.</summary>
    public CniArgs ParsedArgs => _parsedArgs ??= CniArgs.Parse(Args);
}
