using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Invoke;

/// <summary>The one decoder of a failed plugin run, as Go's <c>invoke.RawExec.pluginErr</c>.</summary>
public static class PluginFailure
{
    /// <summary>
    /// The plugin's own error object when stdout has one (its code kept); otherwise a code-0 error, as Go's
    /// zero <c>types.Error</c>, that quotes stderr, or quotes the non-JSON stdout, or names how the process
    /// ended when it printed nothing at all.
    /// </summary>
    public static CniException Decode(byte[] stdout, byte[] stderr, ProcessExit exit)
    {
        if (stdout.Length == 0)
        {
            return stderr.Length == 0
                ? new CniException(CniErrorCode.Unknown, $"netplugin failed with no error message: {exit}")
                : new CniException(CniErrorCode.Unknown, $"netplugin failed: {GoText.Quote(Encoding.UTF8.GetString(stderr))}: {exit}");
        }

        try
        {
            var error = SpecJson.ReadError(JsonFields.Parse(stdout, "error object"));
            return new CniException(error.Code, error.Msg, error.Details);
        }
        catch (CniException e)
        {
            return new CniException(CniErrorCode.Unknown, $"netplugin failed but error parsing its diagnostic message {GoText.Quote(Encoding.UTF8.GetString(stdout))}: {e.Message}");
        }
    }

    /// <summary>The error for a program that could not be started (Go: <c>fork/exec PATH: REASON</c>).</summary>
    public static CniException StartFailure(string path, int errno) =>
        new(CniErrorCode.Unknown, $"netplugin failed with no error message: fork/exec {path}: {Interop.ErrnoException.ErrnoText(errno)}");
}
