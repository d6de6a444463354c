using LibCni.Types;

namespace CniPlugins.Tuning;

/// <summary>
/// A config's sysctl key turned into a path under /proc/sys, as the reference turns it: every <c>.</c> (and
/// <c>/</c>) separates components, then the first <c>IFNAME</c> becomes CNI_IFNAME. The interface name is
/// substituted after the split, so a dotted name (eth0.1) stays one component. Only keys under
/// <c>net</c> are accepted, and any <c>..</c> (or a <c>/./</c> component) is refused outright, where the reference
/// quietly turns it into an empty component.
/// </summary>
public sealed record SysctlKey(string Key, IReadOnlyList<string> Components)
{
    public const string IfNamePlaceholder = "IFNAME";

    /// <summary>The path relative to /proc/sys, e.g. <c>net/ipv4/conf/eth0.1/forwarding</c>.</summary>
    public string RelativePath => string.Join('/', Components);

    public string FullPath => "/proc/sys/" + RelativePath;

    /// <summary>Validates <paramref name="key"/> and builds its path; throws code 7 naming the key.</summary>
    public static SysctlKey Parse(string key, string ifName)
    {
        if (key.Length == 0)
        {
            throw Invalid(key, "the key is empty");
        }

        if (key.Any(c => c == '\0' || char.IsControl(c)))
        {
            throw Invalid(key, "the key contains a control character");
        }

        // The reference's dot-to-slash turns ".." into an empty component, but a key that says ".." or "/./" means
        // a path trick or a typo: refuse it rather than guess.
        if (key.Contains("..", StringComparison.Ordinal) || key.Split('/').Any(p => p == "."))
        {
            throw Invalid(key, "\"..\" and \".\" are not allowed in a sysctl key");
        }

        // The reference replaces '.' with '/' and then IFNAME once, in the whole string.
        var slashed = key.Replace('.', '/');
        var at = slashed.IndexOf(IfNamePlaceholder, StringComparison.Ordinal);
        var parts = new List<string>();
        void AddParts(string text)
        {
            foreach (var part in text.Split('/'))
            {
                // Empty components (net..ipv4, a trailing dot) collapse as the reference's filepath.Join does.
                if (part.Length > 0)
                {
                    parts.Add(part);
                }
            }
        }

        if (at >= 0)
        {
            // IFNAME may sit inside a component (conf/myIFNAME): glue the interface name to its neighbours
            // without splitting the interface name itself.
            var before = slashed[..at].Split('/');
            var after = slashed[(at + IfNamePlaceholder.Length)..].Split('/');
            var middle = before[^1] + ifName + after[0];
            AddParts(string.Join('/', before[..^1]));
            if (middle.Length > 0)
            {
                parts.Add(middle);
            }

            AddParts(string.Join('/', after[1..]));
        }
        else
        {
            AddParts(slashed);
        }

        if (parts.Count < 2 || parts[0] != "net")
        {
            throw Invalid(key, "only net.* sysctls can be set");
        }

        return new SysctlKey(key, parts);
    }

    private static CniException Invalid(string key, string why) =>
        new(CniErrorCode.InvalidNetworkConfig, $"invalid net sysctl key \"{key}\": {why}", $"sysctl key \"{key}\"");
}
