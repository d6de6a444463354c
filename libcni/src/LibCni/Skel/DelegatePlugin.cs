using System.Text;
using LibCni.Invoke;
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
/// Delegation by exec, as the spec describes and Go's <c>invoke.Delegate*</c> do: the delegate is found on
/// CNI_PATH and run through <see cref="PluginExec"/> with the calling plugin's environment (from
/// <see cref="CmdArgs.Environment"/>, trace context included) with CNI_COMMAND replaced, and the same stdin.
/// Its stderr reaches ours.
/// </summary>
public sealed class ExecDelegatePlugin : IDelegatePlugin
{
    public static ExecDelegatePlugin Instance { get; } = new();

    public ICniResult Add(string type, CmdArgs args)
    {
        var stdout = Exec(type, "ADD", args);
        return CniJson.ParseResult(stdout.Length == 0 ? "{}"u8 : stdout, args.ConfigVersion);
    }

    public void Del(string type, CmdArgs args) => Exec(type, "DEL", args);

    public void Check(string type, CmdArgs args) => Exec(type, "CHECK", args);

    public void Status(string type, CmdArgs args) => Exec(type, "STATUS", args);

    public void Gc(string type, CmdArgs args) => Exec(type, "GC", args);

    /// <summary>The delegate's environment: all of the caller's variables, CNI_COMMAND replaced.</summary>
    public static List<KeyValuePair<string, string>> Environment(IPluginEnvironment caller, string command) =>
        PluginEnvironmentVariables.Merge(caller.GetVariables(), [new("CNI_COMMAND", command)]);

    private static byte[] Exec(string type, string command, CmdArgs args)
    {
        string path;
        try
        {
            path = PluginLocator.FindInPath(type, PluginLocator.SplitPath(args.Path));
        }
        catch (PluginLookupException e)
        {
            throw new CniException(e.NoPaths ? CniErrorCode.InvalidEnvironmentVariables : CniErrorCode.InvalidNetworkConfig, e.Message);
        }

        var caller = args.Environment ?? ProcessEnvironment.Instance;
        try
        {
            return new PluginExec { Stderr = args.Log }.Execute(path, args.StdinData, Environment(caller, command));
        }
        catch (CniException e) when (e.Code == CniErrorCode.Unknown)
        {
            // Code 0 is no spec code: a delegate that did not print an error object is our internal error.
            throw new CniException(CniErrorCode.Internal, e.Message, $"delegate {GoText.Quote(type)}");
        }
    }
}
