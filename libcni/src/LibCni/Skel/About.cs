using System.Reflection;

namespace LibCni.Skel;

/// <summary>The "about" line a plugin prints when run with no CNI_COMMAND, e.g. <c>CNI loopback plugin v0.1.0 (commit 1a2b3c4)</c>.</summary>
public static class About
{
    public static string For(string plugin) => $"CNI {plugin} plugin {BuildVersion}";

    /// <summary><c>v&lt;version&gt;</c> plus the git commit when the build recorded one.</summary>
    public static string BuildVersion
    {
        get
        {
            var informational = (Assembly.GetEntryAssembly() ?? typeof(About).Assembly)
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (string.IsNullOrEmpty(informational))
            {
                return "version unknown";
            }

            var plus = informational.IndexOf('+');
            return plus < 0 ? $"v{informational}" : $"v{informational[..plus]} (commit {informational[(plus + 1)..]})";
        }
    }
}
