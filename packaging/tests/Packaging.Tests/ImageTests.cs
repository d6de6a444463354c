using System.Security.Cryptography;
using System.Text.Json;
using LibCni.TestKit;

namespace Packaging.Tests;

/// <summary>The OCI archive unpacked once: index -> manifest -> config, layers applied in order onto a rootfs.</summary>
public sealed class UnpackedImage : IDisposable
{
    private readonly TempDir dir = new();

    public UnpackedImage()
    {
        var layout = dir.Combine("layout");
        Directory.CreateDirectory(layout);
        Shell.Run("tar", "-xf", Artifacts.ImageArchive, "-C", layout);
        Blob = digest => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        var descriptor = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray());
        RefName = descriptor.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()!;
        Manifest = Parse(Blob(descriptor.GetProperty("digest").GetString()!));
        Config = Parse(Blob(Manifest.GetProperty("config").GetProperty("digest").GetString()!));

        Rootfs = dir.Combine("rootfs");
        Directory.CreateDirectory(Rootfs);
        foreach (var layer in Manifest.GetProperty("layers").EnumerateArray())
        {
            // Layers are (gzipped) tars; none of ours deletes anything, so no whiteouts to honour.
            Shell.Run("tar", "--numeric-owner", "-xf", Blob(layer.GetProperty("digest").GetString()!), "-C", Rootfs);
        }
    }

    public Func<string, string> Blob { get; }

    public string RefName { get; }

    public JsonElement Manifest { get; }

    public JsonElement Config { get; }

    public string Rootfs { get; }

    public string InRootfs(string absolute) => Path.Combine(Rootfs, absolute.TrimStart('/'));

    public void Dispose() => dir.Dispose();

    private static JsonElement Parse(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.Clone();
    }
}

[Trait("Tier", "Packaging")]
public class ImageTests(UnpackedImage image) : IClassFixture<UnpackedImage>
{
    private const string InstallerPath = "/usr/local/bin/cni-installer";

    [Fact]
    public void Manifest_IsOci_WithDigestsThatMatchTheBlobs()
    {
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", image.Manifest.GetProperty("mediaType").GetString());
        var blobs = image.Manifest.GetProperty("layers").EnumerateArray().Append(image.Manifest.GetProperty("config"));
        foreach (var blob in blobs)
        {
            var digest = blob.GetProperty("digest").GetString()!;
            using var file = File.OpenRead(image.Blob(digest));
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(file)));
            Assert.Equal(blob.GetProperty("size").GetInt64(), new FileInfo(image.Blob(digest)).Length);
        }
    }

    [Fact]
    public void Config_EntrypointIsTheInstaller_LabelsCarryVersionAndCommit_NameIsThePlaceholderRepoAtVersion()
    {
        var config = image.Config.GetProperty("config");
        Assert.Equal([InstallerPath], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        var labels = config.GetProperty("Labels");
        Assert.Equal(Artifacts.Version, labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal(Artifacts.GitCommit, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("amd64", image.Config.GetProperty("architecture").GetString());
        Assert.Equal("linux", image.Config.GetProperty("os").GetString());
        Assert.Equal($"{Artifacts.ImageRepository}:v{Artifacts.Version}", image.RefName);
    }

    [Fact]
    public void ContainerToolingLoadsTheArchive_UnderItsName_WithTheInstallerEntrypoint()
    {
        using var store = new TempDir();
        string[] storage = ["--root", store.Combine("root"), "--runroot", store.Combine("run"), "--storage-driver", "vfs"];
        var name = $"{Artifacts.ImageRepository}:v{Artifacts.Version}";
        try
        {
            Shell.Run("buildah", [.. storage, "pull", "--quiet", "oci-archive:" + Artifacts.ImageArchive], null, null);
            Assert.Contains(name, Shell.Run("buildah", [.. storage, "images", "--format", "{{.Name}}:{{.Tag}}"], null, null).Stdout.Split('\n'));
            Assert.Equal($"[{InstallerPath}]", Shell.Run("buildah", [.. storage, "inspect", "--format", "{{.OCIv1.Config.Entrypoint}}", name], null, null).Stdout.Trim());
        }
        finally
        {
            Shell.Exec("buildah", [.. storage, "rmi", "--all"], null, null);
        }
    }

    [Fact]
    public void Filesystem_HoldsEveryPluginStaged_TheInstaller_AndNothingElse()
    {
        foreach (var plugin in Artifacts.Plugins)
        {
            var staged = image.InRootfs("/opt/cni/bin-staging/" + plugin);
            Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(staged));
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(Repo.Binary(plugin))), SHA256.HashData(File.ReadAllBytes(staged)));
        }

        Assert.Equal(Artifacts.Plugins.Count, Directory.GetFiles(image.InRootfs("/opt/cni/bin-staging")).Length);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(Artifacts.Installer)), SHA256.HashData(File.ReadAllBytes(image.InRootfs(InstallerPath))));

        // The installer is static like the plugins: FROM scratch needs no library closure.
        Assert.Contains("statically linked", Shell.Run("ldd", Artifacts.Installer), StringComparison.Ordinal);

        // A from-scratch image: no shell, no package manager, no base distribution.
        Assert.False(File.Exists(image.InRootfs("/bin/sh")));
        var files = Directory.EnumerateFiles(image.Rootfs, "*", SearchOption.AllDirectories).Select(f => "/" + Path.GetRelativePath(image.Rootfs, f)).ToList();
        var expected = Artifacts.Plugins.Select(p => "/opt/cni/bin-staging/" + p).Append(InstallerPath);
        Assert.All(files.Except(expected), f => Assert.StartsWith("/etc/cni/net.d-staging/", f));
    }

    [Fact]
    public void Entrypoint_RunsInsideTheImageAlone_InstallsOntoTheHostMount_AndDropsTheSampleConflist()
    {
        // chroot into the unpacked image: proves the image needs nothing from the host, as a container would.
        var hostMount = image.InRootfs("/host-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(hostMount);
        try
        {
            var inside = "/" + Path.GetFileName(hostMount);
            var result = Shell.Exec("chroot", [image.Rootfs, InstallerPath, "--dest", inside + "/opt/cni/bin",
                "--conflist", "/etc/cni/net.d-staging/10-cniplugins-bridge.conflist", "--conf-dir", inside + "/etc/cni/net.d"], null, null);

            Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
            foreach (var plugin in Artifacts.Plugins)
            {
                Assert.Equal(SHA256.HashData(File.ReadAllBytes(Repo.Binary(plugin))), SHA256.HashData(File.ReadAllBytes(Path.Combine(hostMount, "opt", "cni", "bin", plugin))));
            }

            Assert.True(File.Exists(Path.Combine(hostMount, "etc", "cni", "net.d", "10-cniplugins-bridge.conflist")));
            Assert.Equal("1.1.0", PluginProbe.Version(Path.Combine(hostMount, "opt", "cni", "bin", "loopback")).GetProperty("cniVersion").GetString());
        }
        finally
        {
            Directory.Delete(hostMount, recursive: true);
        }
    }
}
