using LibCni.Types;

namespace CniPlugins.Tuning;

/// <summary>
/// The optional sysctl allowlist (/etc/cni/tuning/allowlist.conf), read as the reference reads it: one regular
/// expression per line, surrounding whitespace trimmed, blank lines skipped; a key is allowed when any
/// expression matches anywhere in it (unanchored, like Go's regexp.MatchString). No file: no restriction.
/// </summary>
public sealed class Allowlist
{
    public const string DefaultPath = "/etc/cni/tuning/allowlist.conf";

    private readonly List<(string Pattern, Re2Pattern Regex)> _entries;

    private Allowlist(List<(string, Re2Pattern)> entries) => _entries = entries;

    public IReadOnlyList<string> Patterns => _entries.Select(e => e.Pattern).ToList();

    /// <summary>Parses the file's text; a bad expression is a config error naming it.</summary>
    public static Allowlist Parse(string text)
    {
        var entries = new List<(string, Re2Pattern)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                entries.Add((line, Re2Pattern.Parse(line)));
            }
            catch (FormatException e)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid regular expression \"{line}\" in sysctl allowlist {DefaultPath}: {e.Message}");
            }
        }

        return new Allowlist(entries);
    }

    public bool Allows(string key) => _entries.Any(e => e.Regex.IsMatch(key));

    /// <summary>Refuses the first key no expression matches, with the reference's message.</summary>
    public void Require(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            if (!Allows(key))
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig,
                    $"Sysctl {key} is not allowed. Only the following sysctls are allowed: [{string.Join(' ', Patterns)}]", $"sysctl key \"{key}\"");
            }
        }
    }
}
