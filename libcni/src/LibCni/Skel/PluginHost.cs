using System.Text;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Skel;

/// <summary>
/// The plugin side of the protocol (the reference's skel): validates <c>CNI_*</c> and stdin, dispatches the
/// verb, and turns every outcome into a result on stdout, an error JSON with exit 1, or nothing.
/// </summary>
public sealed class PluginHost
{
    /// <summary>Set to 1 to get stack traces of unexpected errors on stderr, and each error logged with its trace id.</summary>
    public const string DebugVariable = "CNI_PLUGIN_DEBUG";

    /// <summary>Any of debug, info, warn or error: each error is logged on stderr with the caller's trace id.</summary>
    public const string LogLevelVariable = "CNI_LOG_LEVEL";

    // The spec's required-variable table, in the reference's reporting order. CNI_PATH is required only for
    // GC: the reference's skel also demands it for ADD/CHECK/DEL/STATUS, where the spec makes it optional.
    private static readonly (string Name, string[] RequiredFor)[] RequiredVariables =
    [
        ("CNI_COMMAND", []),
        ("CNI_CONTAINERID", ["ADD", "CHECK", "DEL"]),
        ("CNI_NETNS", ["ADD", "CHECK"]),
        ("CNI_IFNAME", ["ADD", "CHECK", "DEL"]),
        ("CNI_ARGS", []),
        ("CNI_PATH", ["GC"]),
    ];

    private readonly ICniPlugin _plugin;
    private readonly Func<string> _about;
    private readonly INetnsIdentity? _netnsIdentity;
    private readonly IReadOnlyList<string> _supportedVersions;

    public PluginHost(ICniPlugin plugin, string about, INetnsIdentity? netnsIdentity = null, IReadOnlyList<string>? supportedVersions = null)
        : this(plugin, () => about, netnsIdentity, supportedVersions)
    {
    }

    /// <summary>The about text is built only when it is printed: it needs reflection, and most runs never print it.</summary>
    public PluginHost(ICniPlugin plugin, Func<string> about, INetnsIdentity? netnsIdentity = null, IReadOnlyList<string>? supportedVersions = null)
    {
        _plugin = plugin;
        _about = about;
        _netnsIdentity = netnsIdentity;
        _supportedVersions = supportedVersions ?? SpecVersions.All;
    }

    /// <summary>Runs one invocation and returns the exit code.</summary>
    public int Run(IPluginEnvironment env)
    {
        string? configVersion = null;
        try
        {
            var outcome = Dispatch(env, v => configVersion = v);
            if (outcome is not null)
            {
                env.Stdout.Write(outcome);
                env.Stdout.Flush();
            }

            return 0;
        }
        catch (CniException e)
        {
            return PrintError(env, e.ToError(configVersion));
        }
        catch (Exception e)
        {
            if (IsDebug(env))
            {
                env.Stderr.WriteLine(e.ToString());
            }

            return PrintError(env, new CniError { CniVersion = configVersion, Code = CniErrorCode.Internal, Msg = OneLine(e.Message) });
        }
    }

    private string? Dispatch(IPluginEnvironment env, Action<string> reportVersion)
    {
        var command = env.GetVariable("CNI_COMMAND") ?? "";
        var missing = RequiredVariables
            .Where(v => string.IsNullOrEmpty(env.GetVariable(v.Name)) && (v.Name == "CNI_COMMAND" || v.RequiredFor.Contains(command)))
            .Select(v => v.Name)
            .ToList();
        if (missing.Count > 0)
        {
            if (command.Length == 0)
            {
                env.Stderr.WriteLine(_about());
                env.Stderr.WriteLine($"CNI protocol versions supported: {string.Join(", ", _supportedVersions)}");
                return null;
            }

            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"required env variables [{string.Join(",", missing)}] missing",
                $"CNI_COMMAND={command} needs {string.Join(", ", missing)}");
        }

        if (command == "VERSION")
        {
            return CniJson.Compact(w => SpecJson.WriteVersionInfo(w, new VersionInfo { SupportedVersions = [.. _supportedVersions] })) + "\n";
        }

        byte[] stdin;
        try
        {
            stdin = env.ReadStdin();
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.IoFailure, $"error reading from stdin: {e.Message}");
        }

        var version = ReadConfigHeader(stdin);
        reportVersion(version);
        var args = new CmdArgs
        {
            Command = command,
            ContainerId = env.GetVariable("CNI_CONTAINERID") ?? "",
            Netns = env.GetVariable("CNI_NETNS") ?? "",
            IfName = env.GetVariable("CNI_IFNAME") ?? "",
            Args = env.GetVariable("CNI_ARGS") ?? "",
            Path = env.GetVariable("CNI_PATH") ?? "",
            StdinData = stdin,
            ConfigVersion = version,
            Log = env.Stderr,
            Environment = env,
        };

        if (command is "ADD" or "CHECK" or "DEL")
        {
            Identifiers.ValidateContainerId(args.ContainerId);
            Identifiers.ValidateInterfaceName(args.IfName);
        }

        switch (command)
        {
            case "ADD":
                RequireSupported(version);
                RequireForeignNetns(env, args);
                var result = _plugin.Add(args);
                return CniJson.ResultToJson(ResultConverter.Convert(result, version));
            case "DEL":
                RequireSupported(version);
                RequireForeignNetns(env, args);
                _plugin.Del(args);
                return null;
            case "CHECK":
                RequireVerbAllowed(version, "0.4.0", "CHECK");
                _plugin.Check(args);
                return null;
            case "GC":
                RequireVerbAllowed(version, "1.1.0", "GC");
                _plugin.Gc(args);
                return null;
            case "STATUS":
                RequireVerbAllowed(version, "1.1.0", "STATUS");
                _plugin.Status(args);
                return null;
            default:
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"unknown CNI_COMMAND: {command}",
                    "CNI_COMMAND must be one of ADD, DEL, CHECK, GC, STATUS, VERSION");
        }
    }

    /// <summary>Checks stdin is a config object with a valid name; returns its cniVersion ("" when absent).</summary>
    private static string ReadConfigHeader(byte[] stdin)
    {
        using (var doc = CniJson.ParseDocument(stdin, "error unmarshall network config"))
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing network name");
            }

            // Not an object is code 6; keys match case-insensitively, as the reference's decoder does.
            var name = JsonFields.Of(root, "error unmarshall network config").String("name");
            if (string.IsNullOrEmpty(name))
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing network name");
            }

            Identifiers.ValidateNetworkName(name);
            return JsonFields.Of(root, "decoding version from network config").String("cniVersion") ?? "";
        }
    }

    private void RequireSupported(string version)
    {
        var effective = version.Length == 0 ? "0.1.0" : version;
        if (!_supportedVersions.Contains(effective))
        {
            var supported = string.Join(" ", _supportedVersions.Select(v => $"\"{v}\""));
            throw new CniException(CniErrorCode.IncompatibleCniVersion, "incompatible CNI versions",
                $"config is \"{effective}\", plugin supports [{supported}]");
        }
    }

    private void RequireVerbAllowed(string version, string minimum, string verb)
    {
        bool allowed;
        try
        {
            allowed = SpecVersions.AtLeast(version, minimum);
        }
        catch (FormatException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, e.Message);
        }

        if (!allowed)
        {
            throw new CniException(CniErrorCode.IncompatibleCniVersion, $"config version does not allow {verb}", $"cniVersion \"{version}\" is below {minimum}");
        }

        if (!_supportedVersions.Any(v => SpecVersions.AtLeast(v, version)))
        {
            throw new CniException(CniErrorCode.IncompatibleCniVersion, $"plugin version does not allow {verb}");
        }

        RequireSupported(version);
    }

    private void RequireForeignNetns(IPluginEnvironment env, CmdArgs args)
    {
        var overrideValue = env.GetVariable("CNI_NETNS_OVERRIDE") ?? "";
        if (args.Netns.Length == 0 || overrideValue == "1" || overrideValue.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (_netnsIdentity?.IsOwnNetns(args.Netns) == true)
        {
            throw new CniException(CniErrorCode.InvalidNetNs, "plugin's netns and netns from CNI_NETNS should not be the same",
                $"CNI_NETNS=\"{args.Netns}\" is the plugin's own network namespace");
        }
    }

    private static int PrintError(IPluginEnvironment env, CniError error)
    {
        if (IsDebug(env) || env.GetVariable(LogLevelVariable) is "debug" or "info" or "warn" or "error")
        {
            env.Stderr.WriteLine(ErrorLogLine(error, env.GetVariable("TRACEPARENT")));
        }

        try
        {
            env.Stdout.Write(CniJson.ErrorToJson(error));
            env.Stdout.Flush();
        }
        catch (IOException e)
        {
            // stdout is closed or broken: nobody can read the error, and exit 1 is all that is left to say.
            try
            {
                env.Stderr.WriteLine($"cannot write the error (code {error.Code}: {error.Msg}) to stdout: {e.Message}");
            }
            catch (IOException)
            {
                // stderr is gone too.
            }
        }

        return 1;
    }

    /// <summary>
    /// One stderr line for an error: <c>error code=7 msg="..." trace_id=...</c>, the trace id read from TRACEPARENT
    /// (W3C <c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>) so a runtime's trace can be followed into the plugin.
    /// Plain string work: no Activity machinery is loaded in a plugin.
    /// </summary>
    internal static string ErrorLogLine(CniError error, string? traceParent)
    {
        var line = $"error code={error.Code} msg={GoText.Quote(error.Msg)}";
        var parts = traceParent?.Split('-');
        return parts is [{ Length: 2 }, { Length: 32 } traceId, { Length: 16 } spanId, ..]
            ? $"{line} trace_id={traceId} parent_span_id={spanId}"
            : line;
    }

    private static bool IsDebug(IPluginEnvironment env) => env.GetVariable(DebugVariable) is "1" or "true";

    private static string OneLine(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var c in message)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
