using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Skel;

/// <summary>Runs a delegate plugin (an IPAM plugin) the way the calling plugin was run.</summary>
public interface IDelegatePlugin
{
    /// <summary>Runs ADD and returns the delegate's result, parsed in the config's version.</summary>
    ICniResult Add(string type, CmdArgs args);

    void Del(string type, CmdArgs args);

    void Check(string type, CmdArgs args);

    void Status(string type, CmdArgs args);

    void Gc(string type, CmdArgs args);
}

/// <summary>
/// Delegation by exec, as the spec describes: the delegate is found on CNI_PATH and run with this
/// process's environment (CNI_COMMAND overridden) and the same stdin; its stderr passes through.
/// </summary>
public sealed class ExecDelegatePlugin : IDelegatePlugin
{
    public static ExecDelegatePlugin Instance { get; } = new();

    public ICniResult Add(string type, CmdArgs args)
    {
        var stdout = Exec(type, "ADD", args);
        return CniJson.ParseResult(Encoding.UTF8.GetBytes(stdout.Length == 0 ? "{}" : stdout), args.ConfigVersion);
    }

    public void Del(string type, CmdArgs args) => Exec(type, "DEL", args);

    public void Check(string type, CmdArgs args) => Exec(type, "CHECK", args);

    public void Status(string type, CmdArgs args) => Exec(type, "STATUS", args);

    public void Gc(string type, CmdArgs args) => Exec(type, "GC", args);

    /// <summary>The first regular file named <paramref name="type"/> in the CNI_PATH directories.</summary>
    public static string Find(string type, IReadOnlyList<string> directories)
    {
        if (type.Length == 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "no plugin name provided");
        }

        if (type.Contains('/') || type.Contains('\\'))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid plugin name: {type}");
        }

        if (directories.Count == 0)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "no paths provided");
        }

        foreach (var dir in directories)
        {
            var candidate = Path.Combine(dir, type);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new CniException(CniErrorCode.InvalidNetworkConfig, $"failed to find plugin \"{type}\" in path [{string.Join(" ", directories)}]");
    }

    private static string Exec(string type, string command, CmdArgs args)
    {
        var path = Find(type, args.PathDirectories);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment[(string)variable.Key] = (string?)variable.Value ?? "";
        }

        environment["CNI_COMMAND"] = command;

        // The delegate's stderr is inherited: it reaches the runtime as ours does.
        var (exitCode, stdout) = Kernel.ChildProcess.Run(path, environment, args.StdinData);
        var output = Encoding.UTF8.GetString(stdout);
        return exitCode == 0 ? output : throw DelegateError(type, output, "", exitCode);
    }

    /// <summary>Keeps the delegate's own code and message, as the reference's invoke package does.</summary>
    internal static CniException DelegateError(string type, string stdout, string stderr, int exitCode)
    {
        if (stdout.Trim().Length == 0)
        {
            return stderr.Trim().Length == 0
                ? new CniException(CniErrorCode.Internal, $"netplugin failed with no error message: exit status {exitCode}", $"delegate \"{type}\"")
                : new CniException(CniErrorCode.Internal, $"netplugin failed: \"{stderr.Trim()}\"", $"delegate \"{type}\"");
        }

        try
        {
            var error = JsonSerializer.Deserialize(stdout, CniJsonContext.Default.CniError);
            if (error is not null)
            {
                return new CniException(error.Code, error.Msg, error.Details);
            }
        }
        catch (JsonException e)
        {
            return new CniException(CniErrorCode.Internal, $"netplugin failed but error parsing its diagnostic message \"{stdout.Trim()}\": {e.Message}");
        }

        return new CniException(CniErrorCode.Internal, $"netplugin failed: exit status {exitCode}");
    }
}
