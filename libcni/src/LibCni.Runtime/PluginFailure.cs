using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>Turns a failed plugin run into the error Go libcni's <c>pluginErr</c> makes of it.</summary>
public static class PluginFailure
{
    /// <summary>
    /// The error for a plugin that exited non-zero: its own error object when stdout has one (code kept),
    /// else a code-0 error quoting stderr, or naming <paramref name="exitStatus"/> when it printed nothing.
    /// </summary>
    /// <param name="stdout">What the plugin printed on stdout.</param>
    /// <param name="stderr">What the plugin printed on stderr.</param>
    /// <param name="exitStatus">Go's text for how it ended, e.g. <c>exit status 1</c> or <c>signal: killed</c>.</param>
    public static CniException FromOutput(byte[] stdout, byte[] stderr, string exitStatus)
    {
        if (stdout.Length == 0)
        {
            return stderr.Length == 0
                ? new CniException(CniErrorCode.Unknown, $"netplugin failed with no error message: {exitStatus}")
                : new CniException(CniErrorCode.Unknown, $"netplugin failed: {GoText.Quote(Encoding.UTF8.GetString(stderr))}");
        }

        try
        {
            var error = JsonSerializer.Deserialize(stdout, CniJsonContext.Default.CniError)
                ?? throw new JsonException("the error object is null");
            return new CniException(error.Code, error.Msg, error.Details);
        }
        catch (JsonException e)
        {
            return new CniException(CniErrorCode.Unknown,
                $"netplugin failed but error parsing its diagnostic message {GoText.Quote(Encoding.UTF8.GetString(stdout))}: {e.Message}");
        }
    }

    /// <summary>Go's text for a process end: <c>exit status N</c>, or <c>signal: killed</c> for a signal death.</summary>
    public static string ExitStatusText(int exitCode) => exitCode switch
    {
        137 => "signal: killed",
        143 => "signal: terminated",
        _ => $"exit status {exitCode}",
    };
}
