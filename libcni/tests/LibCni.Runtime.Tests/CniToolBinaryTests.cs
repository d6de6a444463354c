using System.Text.Json;
using CniPlugins.CniTool;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>
/// The published AOT cnitool driving real plugins in throwaway namespaces: our loopback from dist/bin, and
/// Debian's Go reference bridge + host-local + portmap from /usr/lib/cni for a chain.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class CniToolBinaryTests : IDisposable
{
    private const string ReferencePlugins = "/usr/lib/cni";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ConfDir => Path.Combine(_dir.Path, "net.d");

    private string CacheDir => Path.Combine(_dir.Path, "cache");

    private string ResultsDir => Path.Combine(CacheDir, "results");

    private ProcessResult Cnitool(string cniPath, params string[] args) =>
        Shell.Exec(Repo.Binary("cnitool"), [.. args, "--cache-dir", CacheDir], stdin: null, new Dictionary<string, string>
        {
            ["NETCONFPATH"] = ConfDir,
            ["CNI_PATH"] = cniPath,
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=web",
        }, clearEnvironment: true);

    private static void Succeeded(ProcessResult result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}{result.Stdout}");

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Loopback_add_check_del(string version)
    {
        using var netns = TestNetns.Create();
        _dir.Write("net.d/10-lo.conflist", $$"""{"cniVersion":"{{version}}","name":"lonet","plugins":[{"type":"loopback"}]}""");

        var add = Cnitool(Repo.BinDir, "add", "lonet", netns.Path);
        Succeeded(add);
        using (var result = JsonDocument.Parse(add.Stdout))
        {
            Assert.Equal(version, result.RootElement.GetProperty("cniVersion").GetString());
        }

        Assert.Contains("inet 127.0.0.1/8", netns.Ip("addr", "show", "lo"), StringComparison.Ordinal);
        var cacheFile = Path.Combine(ResultsDir, $"lonet-{ToolEnvironment.ContainerIdFor(netns.Path)}-eth0");
        Assert.True(File.Exists(cacheFile));

        Succeeded(Cnitool(Repo.BinDir, "check", "lonet", netns.Path));

        Succeeded(Cnitool(Repo.BinDir, "del", "lonet", netns.Path));
        Assert.DoesNotContain(",UP", netns.Ip("link", "show", "lo"), StringComparison.Ordinal);
        Assert.False(File.Exists(cacheFile));
    }

    [Fact]
    public void Reference_bridge_host_local_portmap_chain()
    {
        using var netns = TestNetns.Create();
        var bridge = "cnitbr" + Guid.NewGuid().ToString("N")[..6];
        var dataDir = Path.Combine(_dir.Path, "ipam");
        _dir.Write("net.d/10-chain.conflist", $$$"""
            {"cniVersion":"1.0.0","name":"chainnet","plugins":[
              {"type":"bridge","bridge":"{{{bridge}}}","isGateway":true,
               "ipam":{"type":"host-local","dataDir":"{{{dataDir}}}","ranges":[[{"subnet":"10.77.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
              {"type":"portmap","capabilities":{"portMappings":true}}]}
            """);

        var add = Cnitool(ReferencePlugins, "add", "chainnet", netns.Path);
        Succeeded(add);
        using (var result = JsonDocument.Parse(add.Stdout))
        {
            Assert.Equal("10.77.0.2/24", result.RootElement.GetProperty("ips")[0].GetProperty("address").GetString());
        }

        Assert.Contains("inet 10.77.0.2/24", netns.Ip("addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains("default via 10.77.0.1", netns.Ip("route"), StringComparison.Ordinal);
        var cacheFile = Path.Combine(ResultsDir, $"chainnet-{ToolEnvironment.ContainerIdFor(netns.Path)}-eth0");
        Assert.True(File.Exists(cacheFile));

        Succeeded(Cnitool(ReferencePlugins, "check", "chainnet", netns.Path));

        Succeeded(Cnitool(ReferencePlugins, "del", "chainnet", netns.Path));
        Assert.DoesNotContain("eth0", netns.Ip("link", "show"), StringComparison.Ordinal);
        Assert.False(File.Exists(cacheFile));
        Assert.False(File.Exists(Path.Combine(dataDir, "chainnet", "10.77.0.2")));
        Shell.Run("ip", "link", "del", bridge);
    }

    [Fact]
    public void Gc_removes_every_cached_attachment_of_the_network()
    {
        using var first = TestNetns.Create();
        using var second = TestNetns.Create();
        _dir.Write("net.d/10-lo.conflist", """{"cniVersion":"1.1.0","name":"gcnet","plugins":[{"type":"loopback"}]}""");
        Succeeded(Cnitool(Repo.BinDir, "add", "gcnet", first.Path));
        Succeeded(Cnitool(Repo.BinDir, "add", "gcnet", second.Path, "-i", "eth1"));
        Assert.Equal(2, Directory.GetFiles(ResultsDir).Length);

        Succeeded(Cnitool(Repo.BinDir, "gc", "gcnet", first.Path));

        Assert.Empty(Directory.GetFiles(ResultsDir));
        Assert.DoesNotContain(",UP", first.Ip("link", "show", "lo"), StringComparison.Ordinal);
        Assert.DoesNotContain(",UP", second.Ip("link", "show", "lo"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_plugin_error_exits_1_with_the_message_on_stderr()
    {
        using var netns = TestNetns.Create();
        _dir.Write("net.d/10-lo.conflist", """{"cniVersion":"1.0.0","name":"lonet","plugins":[{"type":"loopback"}]}""");
        var add = Cnitool(Repo.BinDir, "add", "lonet", netns.Path, "-i", "bad/name");
        Assert.Equal(1, add.ExitCode);
        Assert.Equal("", add.Stdout);
        Assert.Equal("plugin type=\"loopback\" failed (add): interface name contains / or : or whitespace characters; CNI_IFNAME=\"bad/name\"\n", add.Stderr);

        var version = Shell.Exec(Repo.Binary("cnitool"), ["--version"], null, null);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("cnitool v", version.Stdout, StringComparison.Ordinal);
    }
}
