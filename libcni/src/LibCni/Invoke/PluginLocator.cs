namespace LibCni.Invoke;

/// <summary>A plugin name that cannot be looked up, or that is on none of the CNI_PATH directories.</summary>
public sealed class PluginLookupException(string message, bool noPaths = false) : Exception(message)
{
    /// <summary>True when the lookup failed because no directory was given (CNI_PATH empty).</summary>
    public bool NoPaths { get; } = noPaths;
}

/// <summary>The one CNI_PATH search, with Go's <c>invoke.FindInPath</c> rules and error texts.</summary>
public static class PluginLocator
{
    /// <summary>
    /// The first <c>&lt;dir&gt;/&lt;type&gt;</c> that is a file, trying <paramref name="paths"/> in order. A name
    /// with a <c>/</c> is refused, so a configuration cannot point outside CNI_PATH. The execute bit is not
    /// checked here (running the file reports that).
    /// </summary>
    /// <param name="type">The plugin's <c>type</c>, i.e. its binary name.</param>
    /// <param name="paths">The CNI_PATH directories.</param>
    /// <param name="isFile">The file test; <see cref="File.Exists(string)"/> by default (tests fake it).</param>
    /// <exception cref="PluginLookupException">Empty or path-like name, no paths, or not found.</exception>
    public static string FindInPath(string type, IReadOnlyList<string> paths, Func<string, bool>? isFile = null)
    {
        isFile ??= File.Exists;
        if (type.Length == 0)
        {
            throw new PluginLookupException("no plugin name provided");
        }

        if (type.Contains('/', StringComparison.Ordinal))
        {
            throw new PluginLookupException("invalid plugin name: " + type);
        }

        if (paths.Count == 0)
        {
            throw new PluginLookupException("no paths provided", noPaths: true);
        }

        foreach (var directory in paths)
        {
            var candidate = Path.Combine(directory, type);
            if (isFile(candidate))
            {
                return candidate;
            }
        }

        throw new PluginLookupException($"failed to find plugin {Types.GoText.Quote(type)} in path [{string.Join(" ", paths)}]");
    }

    /// <summary>Splits a CNI_PATH value on <c>:</c>, dropping empty entries.</summary>
    public static IReadOnlyList<string> SplitPath(string? cniPath) =>
        string.IsNullOrEmpty(cniPath) ? [] : cniPath.Split(':', StringSplitOptions.RemoveEmptyEntries);
}
