using Xunit;

namespace LibCni.TestKit;

/// <summary>
/// A runtime's whole ADD/CHECK/DEL of one network over a conflist written to a throwaway directory, with a cache of
/// its own: through the published cnitool, or (<see cref="Go"/>) through the reference's Go libcni driven by
/// go-cnitool/main.go, both with cnitool's variables (NETCONFPATH, CNI_PATH, CNI_IFNAME, CAP_ARGS).
/// </summary>
public sealed class Cnitool : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cni-cnitool").FullName;

    /// <param name="conflist">The network's conflist JSON; its "name" is the network.</param>
    /// <param name="network">That name.</param>
    /// <param name="hostNetns">The netns cnitool runs in (the plugins' host), or null for the test's own.</param>
    /// <param name="go">Drive it with the Go libcni (go-cnitool) instead of ours.</param>
    public Cnitool(string conflist, string network, TestNetns? hostNetns = null, bool go = false)
    {
        IsGo = go;
        Network = network;
        HostNetns = hostNetns;
        Directory.CreateDirectory(Path.Combine(_dir, "net.d"));
        File.WriteAllText(Path.Combine(_dir, "net.d", "10-test.conflist"), conflist);
    }

    public string Network { get; }

    public bool IsGo { get; }

    public TestNetns? HostNetns { get; }

    /// <summary>Runs <c>cnitool VERB NETWORK NETNS</c>; <paramref name="capArgs"/> goes in CAP_ARGS.</summary>
    public ProcessResult Run(string verb, TestNetns container, string? capArgs = null, string ifName = "eth0")
    {
        var environment = new Dictionary<string, string>
        {
            ["NETCONFPATH"] = Path.Combine(_dir, "net.d"),
            ["CNI_PATH"] = Repo.BinDir,
            ["CNI_IFNAME"] = ifName,
        };
        if (capArgs is not null)
        {
            environment["CAP_ARGS"] = capArgs;
        }

        string tool;
        string[] args;
        if (IsGo)
        {
            tool = GoCnitool.Binary;
            environment["CNI_CACHE_DIR"] = Path.Combine(_dir, "cache");
            args = [verb, Network, container.Path];
        }
        else
        {
            tool = Repo.Binary("cnitool");
            args = [verb, Network, container.Path, "--cache-dir", Path.Combine(_dir, "cache")];
        }

        return HostNetns is null
            ? Shell.Exec(tool, args, null, environment, clearEnvironment: true)
            : Shell.Exec("ip", ["netns", "exec", HostNetns.Name, tool, .. args], null, environment, clearEnvironment: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>
/// go-cnitool built once per source version into .artifacts/go-cnitool, against Debian's Go libcni
/// (golang-github-appc-cni-dev, GOPATH mode: no module download, so it builds offline and inside a private netns).
/// </summary>
public static class GoCnitool
{
    private static readonly Lazy<string> Built = new(Build);

    public static string Binary => Built.Value;

    private static string Build()
    {
        var source = Path.Combine(Repo.Root, "libcni", "tests", "LibCni.TestKit", "go-cnitool", "main.go");
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(source)))[..16];
        var root = Path.Combine(Repo.Root, ".artifacts", "go-cnitool");
        var binary = Path.Combine(root, hash, "go-cnitool");
        if (File.Exists(binary))
        {
            return binary; // built by an earlier tier (the second kernel's hostfs may not take the lock below)
        }

        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        using var buildLock = Kernel.FileLock.Acquire(Path.Combine(root, "lock"));
        if (!File.Exists(binary))
        {
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
                ["HOME"] = root,
                ["GOPATH"] = "/usr/share/gocode",
                ["GO111MODULE"] = "off",
                ["GOCACHE"] = Path.Combine(root, "cache"),
                ["CGO_ENABLED"] = "0",
            };
            var build = Shell.Exec("go", ["build", "-o", binary + ".tmp", source], null, environment, clearEnvironment: true);
            Assert.True(build.ExitCode == 0, $"go build of go-cnitool failed (needs golang-go and golang-github-appc-cni-dev): {build.Stdout}{build.Stderr}");
            File.Move(binary + ".tmp", binary);
        }

        return binary;
    }
}
