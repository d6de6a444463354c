using System.Text.Json;

namespace Reliability.Tests;

/// <summary>
/// The contract every exec must meet whatever its input: a well-formed success or a well-formed CNI error,
/// never a crash, a hang or a stack trace.
/// </summary>
public static class Verdict
{
    private static readonly string[] SilentCommands = ["DEL", "CHECK", "GC", "STATUS"];

    /// <summary>Null when <paramref name="outcome"/> is well-formed for <paramref name="command"/> (the CNI_COMMAND sent, or null).</summary>
    public static string? Violation(ExecOutcome outcome, string? command)
    {
        if (outcome.TimedOut)
        {
            return "hang: no exit within the timeout";
        }

        if (outcome.ExitCode is not (0 or 1))
        {
            return outcome.ExitCode > 128 ? $"crash: killed by signal {outcome.ExitCode - 128}" : $"crash: exit code {outcome.ExitCode}";
        }

        foreach (var (stream, text) in new[] { ("stdout", outcome.Stdout), ("stderr", outcome.Stderr) })
        {
            if (text.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) || text.Contains("\n   at ", StringComparison.Ordinal) || text.StartsWith("   at ", StringComparison.Ordinal))
            {
                return $"stack trace on {stream}";
            }
        }

        return outcome.ExitCode == 0 ? SuccessViolation(outcome, command) : ErrorViolation(outcome);
    }

    private static string? SuccessViolation(ExecOutcome outcome, string? command)
    {
        if (string.IsNullOrEmpty(command))
        {
            // Like the reference skel: no command prints the about text on stderr and exits 0.
            return outcome.Stdout.Length == 0 ? null : "exit 0 without CNI_COMMAND but stdout is not empty";
        }

        if (SilentCommands.Contains(command))
        {
            return outcome.Stdout.Length == 0 ? null : $"{command} succeeded but printed to stdout";
        }

        if (command is not ("ADD" or "VERSION"))
        {
            return $"unknown command {command} succeeded";
        }

        try
        {
            using var doc = JsonDocument.Parse(outcome.Stdout);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("cniVersion", out var version) || version.ValueKind != JsonValueKind.String)
            {
                return $"{command} succeeded without a cniVersion in its result";
            }

            if (command == "VERSION" && (!root.TryGetProperty("supportedVersions", out var supported) || supported.ValueKind != JsonValueKind.Array))
            {
                return "VERSION result has no supportedVersions array";
            }

            return null;
        }
        catch (JsonException e)
        {
            return $"{command} succeeded with stdout that is not JSON: {e.Message}";
        }
    }

    private static string? ErrorViolation(ExecOutcome outcome)
    {
        try
        {
            using var doc = JsonDocument.Parse(outcome.Stdout);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "error output is not a JSON object";
            }

            if (!root.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.Number)
            {
                return "error JSON has no numeric code";
            }

            if (!root.TryGetProperty("msg", out var msg) || msg.ValueKind != JsonValueKind.String || msg.GetString()!.Length == 0)
            {
                return "error JSON has no msg";
            }

            return null;
        }
        catch (JsonException e)
        {
            return $"exit 1 with stdout that is not error JSON: {e.Message}";
        }
    }
}
