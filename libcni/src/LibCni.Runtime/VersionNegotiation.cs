using System.Text.Json;
using System.Text.Json.Nodes;

namespace LibCni.Runtime;

/// <summary>Picks the spec version of a configuration list from <c>cniVersion</c> and <c>cniVersions</c>.</summary>
public static class VersionNegotiation
{
    /// <summary>
    /// The highest of <paramref name="cniVersion"/> and the <paramref name="cniVersions"/> entries, leaving out
    /// versions newer than this library's (<see cref="SpecVersions.Current"/>). Stays <paramref name="cniVersion"/>
    /// when nothing is left.
    /// </summary>
    /// <exception cref="CniRuntimeException">Not an array of strings, or an entry that is not a version.</exception>
    public static string Select(string cniVersion, JsonNode? cniVersions)
    {
        if (cniVersions is not JsonArray array)
        {
            throw ConfigLoader.ListError($"invalid type for cniVersions: {cniVersions?.GetValueKind() ?? JsonValueKind.Null}");
        }

        var candidates = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                throw ConfigLoader.ListError($"invalid type for cniVersions index {i}: {array[i]?.GetValueKind() ?? JsonValueKind.Null}");
            }

            var entry = value.GetValue<string>();
            if (!IsNewerThanCurrent(entry, e => ConfigLoader.ListError($"invalid cniVersions entry {entry} at index {i}: {e.Message}", e)))
            {
                candidates.Add(entry);
            }
        }

        if (cniVersion.Length > 0 && !IsNewerThanCurrent(cniVersion, e => ConfigLoader.ListError($"invalid cniVersion {cniVersion}: {e.Message}", e)))
        {
            candidates.Add(cniVersion);
        }

        return candidates.Count == 0 ? cniVersion : candidates.MaxBy(SpecVersions.Parse)!;
    }

    private static bool IsNewerThanCurrent(string version, Func<FormatException, Exception> error)
    {
        try
        {
            return SpecVersions.Compare(version, SpecVersions.Current) > 0;
        }
        catch (FormatException e)
        {
            throw error(e);
        }
    }
}
