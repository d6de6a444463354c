using LibCni.TestKit;

namespace Packaging.Tests;

/// <summary>The files scripts/package left in dist/, named from VERSION as the script names them.</summary>
internal static class Artifacts
{
    public const string Arch = "amd64";
    public const string DebPackage = "cniplugins-cs";
    public const string ImageRepository = "ghcr.io/example/cniplugins-cs";

    public static string Version { get; } = File.ReadAllText(Path.Combine(Repo.Root, "VERSION")).Trim();

    public static string GitCommit { get; } = Shell.Run("git", "-C", Repo.Root, "rev-parse", "--short=12", "HEAD").Trim();

    public static string Dist => Path.Combine(Repo.Root, "dist");

    public static string TarballName => $"cni-plugins-linux-{Arch}-v{Version}.tgz";

    public static string DebName => $"{DebPackage}_{Version}_{Arch}.deb";

    public static string ImageArchiveName => $"cni-plugins-linux-{Arch}-v{Version}-oci.tar";

    /// <summary>The systemd units' own tarball: arch-independent, and named so a cni-plugins-linux-* glob misses it.</summary>
    public static string UnitsTarballName => $"cni-plugins-systemd-v{Version}.tgz";

    public static string Tarball => Existing(Path.Combine(Dist, TarballName));

    public static string Deb => Existing(Path.Combine(Dist, DebName));

    public static string ImageArchive => Existing(Path.Combine(Dist, ImageArchiveName));

    public static string UnitsTarball => Existing(Path.Combine(Dist, UnitsTarballName));

    /// <summary>packaging/systemd, where the units scripts/package ships come from.</summary>
    public static string UnitsSource => Path.Combine(Repo.Root, "packaging", "systemd");

    /// <summary>The dhcp daemon's units: what the .deb puts in /lib/systemd/system and the units tarball carries.</summary>
    public static IReadOnlyList<string> Units { get; } = ["cni-dhcp.service", "cni-dhcp.socket"];

    public static string Sums => Existing(Path.Combine(Dist, "SHA256SUMS"));

    /// <summary>The cni-installer scripts/package published for the image.</summary>
    public static string Installer => Existing(Path.Combine(Repo.Root, ".artifacts", "package", "installer", "cni-installer"));

    /// <summary>Every executable in dist/bin: the set each artifact must carry, whatever plugins exist by now.</summary>
    public static IReadOnlyList<string> Plugins { get; } = FindPlugins();

    private static IReadOnlyList<string> FindPlugins()
    {
        var plugins = Directory.Exists(Repo.BinDir)
            ? Directory.EnumerateFiles(Repo.BinDir)
                .Where(path => !path.EndsWith(".dbg", StringComparison.Ordinal)
                    && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        return plugins;
    }

    private static string Existing(string path)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} does not exist: run `make build` and `scripts/package` first");
        }

        return path;
    }
}

/// <summary>Runs a plugin binary as a runtime would for VERSION and returns its parsed answer.</summary>
internal static class PluginProbe
{
    public static System.Text.Json.JsonElement Version(string pluginPath)
    {
        var result = Shell.Exec(pluginPath, [], stdin: "", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" });
        Assert.True(result.ExitCode == 0, $"{pluginPath} VERSION exited {result.ExitCode}: {result.Stderr}");
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var root = json.RootElement.Clone();
        Assert.Contains("1.1.0", root.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()));
        return root;
    }

    public static long Inode(string path) => long.Parse(Shell.Run("stat", "-c", "%i", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
