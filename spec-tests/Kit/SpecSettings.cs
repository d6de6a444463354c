using LibCni.TestKit;

namespace SpecTests.Kit;

/// <summary>What the kit judges: a plugin directory and a label for the implementation living there.</summary>
public static class SpecSettings
{
    /// <summary>The plugin types the kit knows how to exercise.</summary>
    public static readonly IReadOnlyList<string> KnownPlugins = ["loopback", "host-local", "bridge", "portmap", "firewall", "tuning", "ptp", "static", "bandwidth", "macvlan", "host-device", "ipvlan", "vlan", "dummy", "tap", "sbr", "vrf", "dhcp"];

    /// <summary><c>CNI_SPEC_PLUGIN_DIR</c> (relative paths from the repository root), else <c>dist/bin</c> of this checkout.</summary>
    public static string PluginDir { get; } =
        Environment.GetEnvironmentVariable("CNI_SPEC_PLUGIN_DIR") is { Length: > 0 } dir ? Path.GetFullPath(dir, Repo.Root) : Path.Combine(Repo.Root, "dist", "bin");

    /// <summary><c>CNI_SPEC_IMPL</c>: <c>ours</c> (no exemptions) or <c>reference</c> (known differences expected).</summary>
    public static string Implementation { get; } = Environment.GetEnvironmentVariable("CNI_SPEC_IMPL") is { Length: > 0 } impl ? impl : "ours";

    /// <summary><c>CNI_SPEC_RESULTS</c>: a JSON-lines file every case appends its outcome to (for the report).</summary>
    public static string? ResultsFile { get; } = Environment.GetEnvironmentVariable("CNI_SPEC_RESULTS") is { Length: > 0 } file ? file : null;

    public static string KnownDifferencesFile => Path.Combine(AppContext.BaseDirectory, "known-differences.json");

    public static string PluginPath(string plugin) => Path.Combine(PluginDir, plugin);

    public static bool IsPresent(string plugin) => File.Exists(PluginPath(plugin));
}
