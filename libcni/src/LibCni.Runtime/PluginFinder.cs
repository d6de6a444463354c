namespace LibCni.Runtime;

/// <summary>Plugin lookup along CNI_PATH with Go's <c>invoke.FindInPath</c> rules and error texts.</summary>
public static class PluginFinder
{
    /// <summary>
    /// The first <c>&lt;dir&gt;/&lt;type&gt;</c> that is a regular file, trying <paramref name="paths"/> in order.
    /// The execute bit is not checked (running the file reports that).
    /// </summary>
    /// <exception cref="CniRuntimeException">Empty or path-like name, no paths, or not found.</exception>
    public static string FindInPath(string type, IReadOnlyList<string> paths, Func<string, bool>? isFile = null)
    {
        isFile ??= File.Exists;
        if (type.Length == 0)
        {
            throw new CniRuntimeException("no plugin name provided");
        }

        if (type.Contains('/', StringComparison.Ordinal))
        {
            throw new CniRuntimeException("invalid plugin name: " + type);
        }

        if (paths.Count == 0)
        {
            throw new CniRuntimeException("no paths provided");
        }

        foreach (var directory in paths)
        {
            var candidate = Path.Combine(directory, type);
            if (isFile(candidate))
            {
                return candidate;
            }
        }

        throw new CniRuntimeException($"failed to find plugin {GoText.Quote(type)} in path [{string.Join(" ", paths)}]");
    }

    /// <summary>Splits a CNI_PATH value on <c>:</c>, dropping empty entries.</summary>
    public static IReadOnlyList<string> SplitPath(string? cniPath) =>
        string.IsNullOrEmpty(cniPath) ? [] : cniPath.Split(':', StringSplitOptions.RemoveEmptyEntries);
}
