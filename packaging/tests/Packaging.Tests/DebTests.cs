using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LibCni.TestKit;

namespace Packaging.Tests;

[Trait("Tier", "Packaging")]
public class DebTests
{
    private static string Field(string name) => Shell.Run("dpkg-deb", "--field", Artifacts.Deb, name).Trim();

    [Fact]
    public void Control_NamesVersionArchitectureSectionPriorityMaintainerDescription()
    {
        Assert.Equal(Artifacts.DebPackage, Field("Package"));
        Assert.Equal(Artifacts.Version, Field("Version"));
        Assert.Equal(Artifacts.Arch, Field("Architecture"));
        Assert.Equal("net", Field("Section"));
        Assert.Equal("optional", Field("Priority"));
        Assert.Matches(@"^.+ <[^@ ]+@[^> ]+>$", Field("Maintainer"));
        Assert.Contains($"Built from commit {Artifacts.GitCommit}.", Field("Description"));
        Assert.True(int.Parse(Field("Installed-Size"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        // dpkg-deb -I shows the same control file operators see.
        var info = Shell.Run("dpkg-deb", "-I", Artifacts.Deb);
        Assert.Contains($" Package: {Artifacts.DebPackage}", info);
    }

    [Fact]
    public void No_Depends_Since_Every_Binary_Is_Static_And_Never_Iptables()
    {
        // Static PIE: glibc is linked into each binary, so the package needs nothing installed, iptables least of all.
        foreach (var field in new[] { "Depends", "Pre-Depends", "Recommends", "Suggests" })
        {
            Assert.Equal("", Field(field));
        }

        foreach (var plugin in Artifacts.Plugins)
        {
            Assert.Contains("statically linked", Shell.Run("ldd", Repo.Binary(plugin)), StringComparison.Ordinal);
            // A PIE (ASLR kept) with no program interpreter: static-pie.
            Assert.Contains("DYN (Position-Independent Executable file)", Shell.Run("readelf", "-h", Repo.Binary(plugin)), StringComparison.Ordinal);
            Assert.DoesNotContain("INTERP", Shell.Run("readelf", "-lW", Repo.Binary(plugin)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Contents_EveryDistBinaryIn_OptCniBin_Mode0755_Root()
    {
        var listing = Shell.Run("dpkg-deb", "-c", Artifacts.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var plugin in Artifacts.Plugins)
        {
            var line = Assert.Single(listing, l => l.EndsWith(" ./opt/cni/bin/" + plugin, StringComparison.Ordinal));
            Assert.StartsWith("-rwxr-xr-x root/root ", line);
        }

        // Nothing in Debian's /usr/lib/cni, so no Conflicts with containernetworking-plugins is needed.
        Assert.DoesNotContain(listing, l => l.Contains("/usr/lib/cni", StringComparison.Ordinal));
        var binaries = listing.Where(l => l.Contains(" ./opt/cni/bin/", StringComparison.Ordinal) && !l.EndsWith('/')).Count();
        Assert.Equal(Artifacts.Plugins.Count, binaries);
    }

    [Fact]
    public void InstallsIntoAThrowawayRoot_PluginRuns_AndRemovesCleanly()
    {
        using var root = new TempDir();
        var admin = InstallInto(root);
        Assert.Contains("Status: install ok installed", Shell.Run("dpkg", admin, "--status", Artifacts.DebPackage));
        foreach (var plugin in Artifacts.Plugins)
        {
            var installed = root.Combine("opt", "cni", "bin", plugin);
            Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(installed));
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(Repo.Binary(plugin))), SHA256.HashData(File.ReadAllBytes(installed)));
        }

        Assert.Equal("1.1.0", PluginProbe.Version(root.Combine("opt", "cni", "bin", "loopback")).GetProperty("cniVersion").GetString());

        // The units land as packaging/systemd has them, and nothing enables them: no .wants symlinks appear.
        foreach (var unit in Artifacts.Units)
        {
            var installed = root.Combine("lib", "systemd", "system", unit);
            Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(installed));
            Assert.Equal(File.ReadAllBytes(Path.Combine(Artifacts.UnitsSource, unit)), File.ReadAllBytes(installed));
        }

        Assert.False(Directory.Exists(root.Combine("etc", "systemd")), "installing the .deb touched /etc/systemd");

        Shell.Run("dpkg", admin, "--force-depends", "--remove", Artifacts.DebPackage);
        Assert.False(Directory.Exists(root.Combine("opt", "cni", "bin")) && Directory.EnumerateFileSystemEntries(root.Combine("opt", "cni", "bin")).Any());
        Assert.All(Artifacts.Units, unit => Assert.False(File.Exists(root.Combine("lib", "systemd", "system", unit)), $"{unit} left behind"));
    }

    /// <summary>dpkg --install into a throwaway root with an empty dpkg database; returns the --root= argument.</summary>
    internal static string InstallInto(TempDir root)
    {
        Directory.CreateDirectory(root.Combine("var", "lib", "dpkg", "info"));
        Directory.CreateDirectory(root.Combine("var", "lib", "dpkg", "updates"));
        File.WriteAllText(root.Combine("var", "lib", "dpkg", "status"), "");
        var admin = $"--root={root.Path}";

        // The throwaway root has no libc6 package record, hence --force-depends; the host's libc6 is checked above.
        Shell.Run("dpkg", admin, "--force-depends", "--install", Artifacts.Deb);
        return admin;
    }

    [Fact]
    public void Contents_TheDhcpUnitsIn_LibSystemdSystem_Mode0644_Root()
    {
        var listing = Shell.Run("dpkg-deb", "-c", Artifacts.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var unit in Artifacts.Units)
        {
            var line = Assert.Single(listing, l => l.EndsWith(" ./lib/systemd/system/" + unit, StringComparison.Ordinal));
            Assert.StartsWith("-rw-r--r-- root/root ", line);
        }

        // Units only there (Debian's containernetworking-plugins uses /lib/systemd/system too); none under /etc.
        var units = listing.Where(l => l.EndsWith(".service", StringComparison.Ordinal) || l.EndsWith(".socket", StringComparison.Ordinal));
        Assert.Equal(Artifacts.Units.Count, units.Count());
        Assert.DoesNotContain(listing, l => l.Contains(" ./etc/", StringComparison.Ordinal));
    }

    [Fact]
    public void NoMaintainerScripts_SoTheDaemonIsNeitherEnabledNorStarted_AsInDebiansOwnPackage()
    {
        // Debian's containernetworking-plugins ships cni-dhcp.{socket,service} disabled and stopped (its postinst only
        // re-enables units an admin had enabled). Ours does the same with no postinst at all: the control archive is
        // the control file and the md5sums, nothing that could run systemctl or deb-systemd-helper.
        var control = Shell.Run("sh", "-c", "dpkg-deb --ctrl-tarfile \"$0\" | tar -t", Artifacts.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["./", "./control", "./md5sums"], control.Order(StringComparer.Ordinal));
        Assert.Contains("systemctl enable --now cni-dhcp.socket", Field("Description"));
    }
}
