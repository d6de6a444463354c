using System.Globalization;
using System.Text;

namespace LibCni.Types;

/// <summary>Go's <c>%q</c> formatting, so error texts read exactly like Go libcni's.</summary>
public static class GoText
{
    /// <summary>The value in double quotes with Go's escapes.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < 0x20 or 0x7f: builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"); break;
                default: builder.Append(rune.ToString()); break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A structured plugin error as Go's <c>types.Error.Error()</c> prints it: msg, or "msg; details".</summary>
    public static string ErrorText(Exception error) => error is CniException { Details: { Length: > 0 } details } cni
        ? $"{cni.Message}; {details}"
        : error.Message;
}
