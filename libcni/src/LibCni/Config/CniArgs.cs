using LibCni.Types;

namespace LibCni.Config;

/// <summary>
/// <c>CNI_ARGS</c> (<c>K=V;K=V</c>) with the reference library's rules: exactly one <c>=</c> per pair, keys
/// matched case-sensitively, unknown keys an error unless <c>IgnoreUnknown</c> is true.
/// </summary>
public sealed class CniArgs
{
    private readonly List<KeyValuePair<string, string>> _pairs;

    private CniArgs(List<KeyValuePair<string, string>> pairs) => _pairs = pairs;

    public IReadOnlyList<KeyValuePair<string, string>> Pairs => _pairs;

    public static CniArgs Empty { get; } = new([]);

    /// <summary>Parses the raw value; throws <see cref="CniException"/> on a malformed pair.</summary>
    public static CniArgs Parse(string? raw)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(raw))
        {
            return new CniArgs(pairs);
        }

        foreach (var pair in raw.Split(';'))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2)
            {
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"ARGS: invalid pair \"{pair}\"", $"CNI_ARGS=\"{raw}\"");
            }

            pairs.Add(new(kv[0], kv[1]));
        }

        return new CniArgs(pairs);
    }

    /// <summary>The last value for <paramref name="key"/> (exact case), or null.</summary>
    public string? Get(string key)
    {
        string? value = null;
        foreach (var pair in _pairs)
        {
            if (pair.Key == key)
            {
                value = pair.Value;
            }
        }

        return value;
    }

    /// <summary>
    /// Rejects keys outside <paramref name="known"/> unless <c>IgnoreUnknown</c> is set, as the reference's
    /// plugins do. <c>IgnoreUnknown</c> itself accepts 1/true/0/false in any case.
    /// </summary>
    public void RequireKnownKeys(params string[] known)
    {
        var ignoreUnknown = false;
        var raw = Get("IgnoreUnknown");
        if (raw is not null)
        {
            ignoreUnknown = raw.ToUpperInvariant() switch
            {
                "1" or "TRUE" => true,
                "0" or "FALSE" => false,
                _ => throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                    $"ARGS: error parsing value of pair \"IgnoreUnknown={raw}\": unknown boolean value", "IgnoreUnknown accepts 1, true, 0 or false"),
            };
        }

        if (ignoreUnknown)
        {
            return;
        }

        var unknown = _pairs.Where(p => p.Key != "IgnoreUnknown" && !known.Contains(p.Key)).Select(p => p.Key).ToList();
        if (unknown.Count > 0)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                $"ARGS: unknown args [{string.Join(" ", unknown)}]", "add IgnoreUnknown=1 to CNI_ARGS to allow keys this plugin does not use");
        }
    }
}
