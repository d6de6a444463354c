namespace LibCni.Skel;

/// <summary>The "about" line a plugin prints when run with no CNI_COMMAND, e.g. <c>CNI loopback plugin v0.1.0 (commit 1a2b3c4)</c>.</summary>
public static class About
{
    public static string For(string plugin) => $"CNI {plugin} plugin {BuildVersion}";

    /// <summary><c>v&lt;version&gt;</c> plus the git commit when the build recorded one (constants written by the build).</summary>
    public static string BuildVersion => Format(BuildInfo.Version, BuildInfo.Commit);

    internal static string Format(string version, string commit) =>
        string.IsNullOrEmpty(version) ? "version unknown"
        : string.IsNullOrEmpty(commit) ? $"v{version}"
        : $"v{version} (commit {commit})";
}
