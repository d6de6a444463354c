using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using LibCni.TestKit;

namespace Packaging.Tests;

[Trait("Tier", "Packaging")]
public class TarballTests
{
    internal static List<TarEntry> ReadEntries(string tarball, string? extractTo = null)
    {
        using var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry);
            if (extractTo is not null && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                entry.ExtractToFile(Path.Combine(extractTo, Path.GetFileName(entry.Name)), overwrite: false);
            }
        }

        return entries;
    }

    [Fact]
    public void IsFlatLikeUpstream_EveryDistBinaryAtTheRoot_Mode0755_OwnedByRoot()
    {
        var entries = ReadEntries(Artifacts.Tarball);
        var files = entries.Where(e => e.EntryType != TarEntryType.Directory).ToList();

        // Upstream's layout: "./bridge", "./loopback"..., no subdirectories.
        Assert.All(entries, e => Assert.StartsWith("./", e.Name));
        Assert.All(files, e => Assert.DoesNotContain('/', e.Name[2..]));
        Assert.Equal(["./"], entries.Where(e => e.EntryType == TarEntryType.Directory).Select(e => e.Name));
        foreach (var plugin in Artifacts.Plugins)
        {
            var entry = Assert.Single(files, e => e.Name == "./" + plugin);
            Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
            Assert.Equal((UnixFileMode)0b111_101_101, entry.Mode);
            Assert.Equal(0, entry.Uid);
            Assert.Equal(0, entry.Gid);
        }

        // Besides the plugins only the docs, never a stray file.
        var docs = files.Select(e => e.Name[2..]).Except(Artifacts.Plugins).Order(StringComparer.Ordinal);
        Assert.All(docs, name => Assert.Contains(name, new[] { "LICENSE", "README.md" }));
    }

    [Fact]
    public void CarriesTheDistBinariesByteForByte_AndTheyRunWhenUnpackedAsOperatorsDo()
    {
        using var optCniBin = new TempDir();
        ReadEntries(Artifacts.Tarball, extractTo: optCniBin.Path);

        foreach (var plugin in Artifacts.Plugins)
        {
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(Repo.Binary(plugin))), SHA256.HashData(File.ReadAllBytes(optCniBin.Combine(plugin))));
        }

        var version = PluginProbe.Version(optCniBin.Combine("loopback"));
        Assert.Equal("1.1.0", version.GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void UnitsTarball_IsFlat_TheDhcpUnitsByteForByte_Mode0644_OwnedByRoot_AndThePluginTarballHasNone()
    {
        using var unitDir = new TempDir();
        var entries = ReadEntries(Artifacts.UnitsTarball, extractTo: unitDir.Path);

        // Flat like the plugin tarball, for `tar -C /usr/local/lib/systemd/system -xzf`.
        Assert.Equal(["./"], entries.Where(e => e.EntryType == TarEntryType.Directory).Select(e => e.Name));
        var files = entries.Where(e => e.EntryType != TarEntryType.Directory).ToList();
        Assert.Equal(Artifacts.Units.Select(u => "./" + u), files.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(files, e =>
        {
            Assert.Equal(TarEntryType.RegularFile, e.EntryType);
            Assert.Equal((UnixFileMode)0b110_100_100, e.Mode);
            Assert.Equal(0, e.Uid);
            Assert.Equal(0, e.Gid);
        });
        Assert.All(Artifacts.Units, unit => Assert.Equal(File.ReadAllBytes(Path.Combine(Artifacts.UnitsSource, unit)), File.ReadAllBytes(unitDir.Combine(unit))));

        // What runtimes untar into /opt/cni/bin stays binaries (and docs) only.
        Assert.DoesNotContain(ReadEntries(Artifacts.Tarball), e => e.Name.EndsWith(".service", StringComparison.Ordinal) || e.Name.EndsWith(".socket", StringComparison.Ordinal));
    }

    [Fact]
    public void Sha256Sums_ListBothTarballsDebAndImage_AndMatchRecomputedHashes()
    {
        var lines = File.ReadAllLines(Artifacts.Sums).Where(l => l.Length > 0).ToList();
        var sums = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            // sha256sum's text format: 64 hex digits, two spaces, the file name.
            Assert.Matches("^[0-9a-f]{64}  [^ /]+$", line);
            sums.Add(line[66..], line[..64]);
        }

        Assert.Equal(new[] { Artifacts.TarballName, Artifacts.UnitsTarballName, Artifacts.DebName, Artifacts.ImageArchiveName }.Order(), sums.Keys.Order());
        foreach (var (name, expected) in sums)
        {
            using var file = File.OpenRead(Path.Combine(Artifacts.Dist, name));
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(file)));
        }

        // And the tool operators use agrees.
        var check = Shell.Exec("sh", ["-c", "cd \"$0\" && sha256sum --check --strict SHA256SUMS", Artifacts.Dist], null, null);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }
}
