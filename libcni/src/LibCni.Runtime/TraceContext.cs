using System.Diagnostics;
using System.Text;

namespace LibCni.Runtime;

/// <summary>
/// The caller's current <see cref="Activity"/> as the W3C trace context environment variables OpenTelemetry
/// specifies for processes (TRACEPARENT, TRACESTATE, BAGGAGE), as Go libcni's <c>injectTraceContext</c>.
/// </summary>
internal static class TraceContext
{
    /// <summary>Sets the trace variables of <paramref name="environment"/> from <paramref name="activity"/>; unchanged without one (or with a non-W3C id).</summary>
    public static PluginEnvironment Apply(PluginEnvironment environment, Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } traceParent)
        {
            return environment;
        }

        return environment with
        {
            TraceParent = traceParent,
            TraceState = string.IsNullOrEmpty(activity.TraceStateString) ? null : activity.TraceStateString,
            Baggage = BaggageText(activity),
        };
    }

    /// <summary>W3C baggage: <c>key=value</c> members joined by commas, values percent-encoded; null when empty.</summary>
    internal static string? BaggageText(Activity activity)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in activity.Baggage)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value ?? ""));
        }

        return text.Length == 0 ? null : text.ToString();
    }
}
