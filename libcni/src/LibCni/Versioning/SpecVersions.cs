using System.Globalization;
using LibCni.Types;

namespace LibCni;

/// <summary>The spec versions this suite speaks, and the reference's version arithmetic.</summary>
public static class SpecVersions
{
    public const string Current = "1.1.0";

    /// <summary>Every version a plugin here supports, oldest first.</summary>
    public static readonly IReadOnlyList<string> All = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    /// <summary>Parses a dotted version of up to three numeric parts; empty means 0.1.0.</summary>
    public static (int Major, int Minor, int Micro) Parse(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return (0, 1, 0);
        }

        var parts = version.Split('.');
        if (parts.Length >= 4)
        {
            throw new FormatException($"invalid version \"{version}\": too many parts");
        }

        var major = ParsePart(parts[0], "major");
        var minor = parts.Length > 1 ? ParsePart(parts[1], "minor") : 0;
        var micro = parts.Length > 2 ? ParsePart(parts[2], "micro") : 0;
        return (major, minor, micro);
    }

    public static bool TryParse(string? version, out (int Major, int Minor, int Micro) parsed)
    {
        try
        {
            parsed = Parse(version);
            return true;
        }
        catch (FormatException)
        {
            parsed = default;
            return false;
        }
    }

    public static int Compare(string? a, string? b) => Parse(a).CompareTo(Parse(b));

    public static bool AtLeast(string? version, string minimum) => Compare(version, minimum) >= 0;

    /// <summary>The result family a version belongs to; null for versions no result type exists for.</summary>
    public static ResultFamily? FamilyOf(string? version) => version switch
    {
        "" or null or "0.1.0" or "0.2.0" => ResultFamily.V020,
        "0.3.0" or "0.3.1" or "0.4.0" => ResultFamily.V040,
        "1.0.0" or "1.1.0" => ResultFamily.V100,
        _ => null,
    };

    private static int ParsePart(string part, string name)
    {
        if (part.Length == 0 || !int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"failed to convert {name} version part \"{part}\": invalid syntax");
        }

        return value;
    }
}

/// <summary>The three shapes a result has had over the spec's history.</summary>
public enum ResultFamily
{
    V020,
    V040,
    V100,
}
