using System.Text.Json;
using CniPlugins.CniTool;
using LibCni.Runtime;
using Xunit;

namespace LibCni.Runtime.Tests;

public class CniToolEnvironmentTests
{
    private static Func<string, string?> Vars(params (string Name, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Defaults()
    {
        var env = ToolEnvironment.Read(Vars());
        Assert.Equal("/etc/cni/net.d", env.NetConfPath);
        Assert.Equal("eth0", env.IfName);
        Assert.Empty(env.CniPath);
        Assert.Empty(env.CniArgs);
        Assert.Empty(env.CapabilityArgs);
        Assert.Equal("eth0", ToolEnvironment.Read(Vars(("CNI_IFNAME", ""))).IfName);
    }

    [Fact]
    public void Variables_are_parsed()
    {
        var env = ToolEnvironment.Read(Vars(("NETCONFPATH", "/x"), ("CNI_PATH", "/a:/b"), ("CNI_ARGS", "IgnoreUnknown=1;K=V"),
            ("CAP_ARGS", """{"portMappings":[{"hostPort":80}]}"""), ("CNI_IFNAME", "net1")));
        Assert.Equal("/x", env.NetConfPath);
        Assert.Equal(["/a", "/b"], env.CniPath);
        Assert.Equal([new("IgnoreUnknown", "1"), new("K", "V")], env.CniArgs);
        Assert.Equal(80, env.CapabilityArgs["portMappings"][0].GetProperty("hostPort").GetInt32());
        Assert.Equal("net1", env.IfName);
    }

    [Theory]
    [InlineData("A=1;", "invalid CNI_ARGS pair \"\"")]
    [InlineData("A", "invalid CNI_ARGS pair \"A\"")]
    [InlineData("A=1=2", "invalid CNI_ARGS pair \"A=1=2\"")]
    [InlineData("=1", "invalid CNI_ARGS pair \"=1\"")]
    [InlineData("A=", "invalid CNI_ARGS pair \"A=\"")]
    public void Cni_args_are_strict(string raw, string message) =>
        Assert.Equal(message, Assert.Throws<CniRuntimeException>(() => ToolEnvironment.ParseCniArgs(raw)).Message);

    [Theory]
    [InlineData("[1]")]
    [InlineData("{")]
    public void Cap_args_must_be_a_json_object(string raw) =>
        Assert.StartsWith("invalid CAP_ARGS: ", Assert.Throws<CniRuntimeException>(() => ToolEnvironment.ParseCapabilityArgs(raw)).Message, StringComparison.Ordinal);

    [Fact]
    public void Container_id_is_a_sha512_prefix_of_the_netns_path() =>
        Assert.Equal("cnitool-96279096f34b33f944ce", ToolEnvironment.ContainerIdFor("/run/netns/ctr1"));
}

/// <summary>cnitool end to end in-process, with bash fake plugins: parsing, output, exit codes, cache.</summary>
public sealed class CniToolRunTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, string> _vars = [];

    public CniToolRunTests()
    {
        // "fake" records its CNI_* variables and stdin per command and passes prevResult through (or a fixed result).
        var plugin = _dir.Write("bin/fake", $$"""
            #!/bin/bash
            stdin=$(cat)
            { env | grep ^CNI_ | sort; echo "$stdin"; } > {{_dir.Path}}/last-$CNI_COMMAND
            echo "$CNI_COMMAND" >> {{_dir.Path}}/log
            if [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"1.1.0","interfaces":[{"name":"eth9"}],"ips":[{"address":"10.9.0.2/24"}]}'; fi
            if [ "$CNI_COMMAND" = STATUS ]; then echo '{"code":50,"msg":"not ready"}'; exit 1; fi
            exit 0
            """);
        File.SetUnixFileMode(plugin, (UnixFileMode)0b111_101_101);
        _dir.Write("net.d/10-fake.conflist", """{"cniVersion":"1.1.0","name":"fakenet","plugins":[{"type":"fake","capabilities":{"portMappings":true}}]}""");
        _vars["NETCONFPATH"] = Path.Combine(_dir.Path, "net.d");
        _vars["CNI_PATH"] = Path.Combine(_dir.Path, "bin");
    }

    public void Dispose() => _dir.Dispose();

    private string CacheDir => Path.Combine(_dir.Path, "cache");

    private (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new ToolContext(stdout, stderr, name => _vars.GetValueOrDefault(name));
        var exit = CniTool.Create(context).Parse(args).InvokeAsync().GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Add_prints_the_result_and_caches_it_then_del_removes_it()
    {
        _vars["CNI_ARGS"] = "IgnoreUnknown=1";
        _vars["CAP_ARGS"] = """{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}""";

        var add = Run("add", "fakenet", "ns/../ns1", "--cache-dir", CacheDir);

        Assert.True(add.Exit == 0, add.Stderr);
        Assert.StartsWith("{\n    \"cniVersion\": \"1.1.0\",", add.Stdout, StringComparison.Ordinal);
        Assert.False(add.Stdout.EndsWith('\n'));
        var netns = Path.GetFullPath("ns1");
        var containerId = ToolEnvironment.ContainerIdFor(netns);
        var recorded = File.ReadAllText(Path.Combine(_dir.Path, "last-ADD"));
        Assert.Contains($"CNI_CONTAINERID={containerId}", recorded, StringComparison.Ordinal);
        Assert.Contains($"CNI_NETNS={netns}", recorded, StringComparison.Ordinal);
        Assert.Contains("CNI_IFNAME=eth0", recorded, StringComparison.Ordinal);
        Assert.Contains("CNI_ARGS=IgnoreUnknown=1", recorded, StringComparison.Ordinal);
        Assert.Contains("\"runtimeConfig\":{\"portMappings\":[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\"}]}", recorded, StringComparison.Ordinal);
        var cacheFile = Path.Combine(CacheDir, "results", $"fakenet-{containerId}-eth0");
        Assert.True(File.Exists(cacheFile));

        var check = Run("check", "fakenet", netns, "--cache-dir", CacheDir);
        Assert.Equal(0, check.Exit);
        Assert.Contains("\"prevResult\":{\"cniVersion\":\"1.1.0\"", File.ReadAllText(Path.Combine(_dir.Path, "last-CHECK")), StringComparison.Ordinal);

        var del = Run("del", "fakenet", netns, "--cache-dir", CacheDir);
        Assert.Equal((0, "", ""), del);
        Assert.False(File.Exists(cacheFile));
    }

    [Fact]
    public void Ifname_flag_beats_CNI_IFNAME()
    {
        _vars["CNI_IFNAME"] = "net7";
        Assert.Equal(0, Run("add", "fakenet", "/run/netns/x", "--cache-dir", CacheDir).Exit);
        Assert.Contains("CNI_IFNAME=net7", File.ReadAllText(Path.Combine(_dir.Path, "last-ADD")), StringComparison.Ordinal);
        Assert.Equal(0, Run("add", "fakenet", "/run/netns/x", "-i", "net8", "--cache-dir", CacheDir).Exit);
        Assert.Contains("CNI_IFNAME=net8", File.ReadAllText(Path.Combine(_dir.Path, "last-ADD")), StringComparison.Ordinal);
        Assert.Equal(["fakenet", "fakenet"], Directory.GetFiles(Path.Combine(CacheDir, "results")).Select(f => Path.GetFileName(f).Split('-')[0]));
    }

    [Fact]
    public void Gc_deletes_every_cached_attachment_and_sends_gc_without_a_valid_list()
    {
        Assert.Equal(0, Run("add", "fakenet", "/run/netns/a", "--cache-dir", CacheDir).Exit);
        Assert.Equal(0, Run("add", "fakenet", "/run/netns/b", "--cache-dir", CacheDir).Exit);

        var gc = Run("gc", "fakenet", "/run/netns/unused", "--cache-dir", CacheDir);

        Assert.Equal(0, gc.Exit);
        Assert.Empty(Directory.GetFiles(Path.Combine(CacheDir, "results")));
        Assert.Equal(["ADD", "ADD", "DEL", "DEL", "GC"], File.ReadAllLines(Path.Combine(_dir.Path, "log")));
        var gcRequest = File.ReadAllText(Path.Combine(_dir.Path, "last-GC"));
        Assert.DoesNotContain("cni.dev/", gcRequest, StringComparison.Ordinal);
        Assert.Contains("CNI_CONTAINERID=\n", gcRequest, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_go_to_stderr_with_exit_1()
    {
        var status = Run("status", "fakenet", "/run/netns/x", "--cache-dir", CacheDir);
        Assert.Equal((1, "", "not ready\n"), status);

        var missing = Run("add", "nonet", "/run/netns/x", "--cache-dir", CacheDir);
        Assert.Equal((1, "", $"no net configuration with name \"nonet\" in {_vars["NETCONFPATH"]}\n"), missing);

        _vars["CNI_ARGS"] = "oops";
        Assert.Equal((1, "", "invalid CNI_ARGS pair \"oops\"\n"), Run("del", "fakenet", "/run/netns/x", "--cache-dir", CacheDir));
    }

    [Fact]
    public void Both_arguments_are_required()
    {
        var result = Run("add", "fakenet");
        Assert.Equal(1, result.Exit);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "log")));
    }

    [Fact]
    public void Version_prints_version_and_protocol_versions()
    {
        var (exit, stdout, _) = Run("--version");
        Assert.Equal(0, exit);
        Assert.StartsWith("cnitool v", stdout, StringComparison.Ordinal);
        Assert.Contains("CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0", stdout, StringComparison.Ordinal);
    }
}
