using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.Runtime;
using LibCni.Types;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>ADD/CHECK/DEL/GC/STATUS/VERSION against a recording executor and an in-memory cache.</summary>
public class OrchestrationTests
{
    private const string CacheDir = "/cache";
    private readonly RecordingExecutor _exec = new();
    private readonly InMemoryCacheFileSystem _files = new();
    private readonly CniRuntime _runtime;

    private readonly RuntimeConf _rt = new()
    {
        ContainerId = "ctr1",
        NetNs = "/run/netns/ctr1",
        IfName = "eth0",
        Args = [new("IgnoreUnknown", "1"), new("K8S_POD_NAME", "web")],
    };

    public OrchestrationTests()
    {
        _runtime = new CniRuntime(["/opt/cni/bin", "/usr/lib/cni"], _exec, CacheDir, _files);
    }

    private static NetworkConfigList Chain(string version = "1.0.0", string extra = "") => ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(
        $$$"""{"cniVersion":"{{{version}}}","name":"net"{{{extra}}},"plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}},{"type":"loopback"}]}"""));

    private string CacheFile => $"{CacheDir}/results/net-ctr1-eth0";

    [Fact]
    public async Task Add_runs_plugins_in_order_chaining_prevResult_and_caches_the_final_result()
    {
        var result = await _runtime.AddNetworkListAsync(Chain(), _rt);

        Assert.Equal(["ADD bridge", "ADD portmap", "ADD loopback"], _exec.Log);
        Assert.Null(_exec.Calls[0].Stdin["prevResult"]);
        Assert.Equal("bridge", _exec.Calls[1].Stdin["prevResult"]!["interfaces"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(2, _exec.Calls[2].Stdin["prevResult"]!["interfaces"]!.AsArray().Count);

        var final = Assert.IsType<Result100>(result);
        Assert.Equal(["bridge", "portmap", "loopback"], final.Interfaces!.Select(i => i.Name));
        Assert.True(_files.Files.ContainsKey(CacheFile));
    }

    [Fact]
    public async Task Add_sets_all_six_cni_variables()
    {
        await _runtime.AddNetworkListAsync(Chain(), _rt);
        Assert.Equal(new PluginEnvironment
        {
            Command = "ADD",
            ContainerId = "ctr1",
            NetNs = "/run/netns/ctr1",
            IfName = "eth0",
            Args = "IgnoreUnknown=1;K8S_POD_NAME=web",
            Path = "/opt/cni/bin:/usr/lib/cni",
        }, _exec.Calls[0].Environment);
    }

    [Fact]
    public async Task Add_failure_names_the_plugin_keeps_its_code_and_writes_no_cache()
    {
        _exec.Fail("portmap", "ADD", 11, "try again", "iptables locked");

        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.AddNetworkListAsync(Chain(), _rt));

        Assert.Equal("plugin type=\"portmap\" failed (add): try again; iptables locked", error.Message);
        Assert.Equal(11, error.PluginError!.Code);
        Assert.Equal(["ADD bridge", "ADD portmap"], _exec.Log);
        Assert.Empty(_files.Files);
    }

    [Fact]
    public async Task Add_validates_identifiers_after_lookup()
    {
        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.AddNetworkListAsync(Chain(), _rt with { ContainerId = "-bad" }));
        Assert.Equal("plugin type=\"bridge\" failed (add): invalid characters in containerID; -bad", error.Message);
        Assert.Equal(CniErrorCode.InvalidEnvironmentVariables, error.PluginError!.Code);

        _exec.Missing.Add("bridge");
        var missing = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.AddNetworkListAsync(Chain(), _rt with { IfName = "" }));
        Assert.Equal("plugin type=\"bridge\" failed (add): failed to find plugin \"bridge\" in path [/opt/cni/bin /usr/lib/cni]", missing.Message);
        Assert.Empty(_exec.Calls);
    }

    [Fact]
    public async Task A_result_without_cniVersion_is_read_as_the_config_version()
    {
        _exec.Scripts[("loopback", "ADD")] = _ => """{"interfaces":[{"name":"lo"}],"ips":[{"address":"127.0.0.1/8","version":"4"}]}"""u8.ToArray();
        var result = await _runtime.AddNetworkListAsync(Chain("0.4.0"), _rt);
        Assert.Equal("0.4.0", Assert.IsType<Result040>(result).CniVersion);
    }

    [Fact]
    public async Task Del_runs_in_reverse_with_the_cached_result_then_drops_the_cache()
    {
        await _runtime.AddNetworkListAsync(Chain(), _rt);
        _exec.Calls.Clear();

        await _runtime.DelNetworkListAsync(Chain(), _rt);

        Assert.Equal(["DEL loopback", "DEL portmap", "DEL bridge"], _exec.Log);
        foreach (var call in _exec.Calls)
        {
            Assert.Equal(3, call.Stdin["prevResult"]!["interfaces"]!.AsArray().Count);
        }

        Assert.Empty(_files.Files);
    }

    [Fact]
    public async Task Del_below_0_4_0_sends_no_prevResult()
    {
        await _runtime.AddNetworkListAsync(Chain("0.3.1"), _rt);
        _exec.Calls.Clear();
        await _runtime.DelNetworkListAsync(Chain("0.3.1"), _rt);
        Assert.All(_exec.Calls, c => Assert.Null(c.Stdin["prevResult"]));
        Assert.Empty(_files.Files);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"kind\":\"cniCacheV1\",\"result\":")]
    [InlineData("{\"cniVersion\":\"9.9.9\"}")]
    public async Task A_corrupt_cache_never_blocks_del(string corrupt)
    {
        _files.Files[CacheFile] = Encoding.UTF8.GetBytes(corrupt);

        await _runtime.DelNetworkListAsync(Chain(), _rt);

        Assert.Equal(["DEL loopback", "DEL portmap", "DEL bridge"], _exec.Log);
        Assert.All(_exec.Calls, c => Assert.Null(c.Stdin["prevResult"]));
        Assert.Empty(_files.Files);
    }

    [Fact]
    public async Task Del_without_any_cache_still_runs_every_plugin()
    {
        await _runtime.DelNetworkListAsync(Chain(), _rt);
        Assert.Equal(3, _exec.Calls.Count);
    }

    [Fact]
    public async Task A_failed_del_keeps_the_cache_for_a_retry()
    {
        await _runtime.AddNetworkListAsync(Chain(), _rt);
        _exec.Fail("portmap", "DEL", 999, "boom");

        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.DelNetworkListAsync(Chain(), _rt));

        Assert.Equal("plugin type=\"portmap\" failed (delete): boom", error.Message);
        Assert.Equal(["ADD bridge", "ADD portmap", "ADD loopback", "DEL loopback", "DEL portmap"], _exec.Log);
        Assert.True(_files.Files.ContainsKey(CacheFile));
    }

    [Fact]
    public async Task Check_runs_in_order_with_the_cached_result_converted_to_the_list_version()
    {
        await _runtime.AddNetworkListAsync(Chain(), _rt);
        _exec.Calls.Clear();

        await _runtime.CheckNetworkListAsync(Chain(), _rt);

        Assert.Equal(["CHECK bridge", "CHECK portmap", "CHECK loopback"], _exec.Log);
        Assert.All(_exec.Calls, c => Assert.Equal("1.0.0", c.Stdin["prevResult"]!["cniVersion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Check_returns_the_first_plugin_error_as_is()
    {
        _exec.Fail("portmap", "CHECK", 100, "rule missing");
        var error = await Assert.ThrowsAsync<CniException>(() => _runtime.CheckNetworkListAsync(Chain(), _rt));
        Assert.Equal(100, error.Code);
        Assert.Equal(["CHECK bridge", "CHECK portmap"], _exec.Log);
    }

    [Fact]
    public async Task Check_is_refused_below_0_4_0_even_when_disabled()
    {
        var error = await Assert.ThrowsAsync<CheckNotSupportedException>(() => _runtime.CheckNetworkListAsync(Chain("0.3.1", ",\"disableCheck\":true"), _rt));
        Assert.Equal("configuration version \"0.3.1\" does not support the CHECK command", error.Message);
    }

    [Fact]
    public async Task DisableCheck_runs_nothing()
    {
        await _runtime.CheckNetworkListAsync(Chain("1.0.0", ",\"disableCheck\":\"true\""), _rt);
        Assert.Empty(_exec.Calls);
    }

    [Fact]
    public async Task Check_with_a_corrupt_cache_fails()
    {
        _files.Files[CacheFile] = "{"u8.ToArray();
        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.CheckNetworkListAsync(Chain(), _rt));
        Assert.StartsWith("failed to get network \"net\" cached result: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(_exec.Calls);
    }

    [Fact]
    public async Task Gc_deletes_stale_attachments_and_sends_the_valid_list()
    {
        var list = Chain("1.1.0");
        await _runtime.AddNetworkListAsync(list, _rt);
        await _runtime.AddNetworkListAsync(list, _rt with { ContainerId = "ctr2", Args = [], CapabilityArgs = Caps("""{"portMappings":[1]}""") });
        await _runtime.AddNetworkListAsync(list, _rt with { ContainerId = "ctr3" });
        _exec.Calls.Clear();

        await _runtime.GcNetworkListAsync(list, [new GcAttachment("ctr1", "eth0"), new GcAttachment("ctr3", "eth0")]);

        Assert.Equal(["DEL loopback", "DEL portmap", "DEL bridge", "GC bridge", "GC portmap", "GC loopback"], _exec.Log);
        var del = _exec.Calls[1];
        Assert.Equal("ctr2", del.Environment.ContainerId);
        Assert.Equal("/run/netns/ctr1", del.Environment.NetNs);
        Assert.Equal("", del.Environment.Args);
        Assert.Equal("[1]", del.Stdin["runtimeConfig"]!["portMappings"]!.ToJsonString());

        var gc = _exec.Calls[3];
        Assert.Equal(new PluginEnvironment { Command = "GC", Path = "/opt/cni/bin:/usr/lib/cni" }, gc.Environment);
        JsonAssert.Equal("""[{"containerID":"ctr1","ifname":"eth0"},{"containerID":"ctr3","ifname":"eth0"}]""", gc.Stdin["cni.dev/valid-attachments"]!.ToJsonString());
        JsonAssert.Equal(gc.Stdin["cni.dev/valid-attachments"]!.ToJsonString(), gc.Stdin["cni.dev/attachments"]!.ToJsonString());
        Assert.Equal(["net-ctr1-eth0", "net-ctr3-eth0"], _runtime.GetCachedAttachments().Select(a => $"{a.Network}-{a.ContainerId}-{a.IfName}"));
    }

    [Fact]
    public async Task Gc_with_a_null_list_deletes_every_attachment_of_the_network_only()
    {
        await _runtime.AddNetworkListAsync(Chain("1.1.0"), _rt);
        var other = ConfigLoader.FromBytes("""{"cniVersion":"1.1.0","name":"other","plugins":[{"type":"loopback"}]}"""u8.ToArray());
        await _runtime.AddNetworkListAsync(other, _rt);
        _exec.Calls.Clear();

        await _runtime.GcNetworkListAsync(Chain("1.1.0"), null);

        Assert.Equal(["DEL loopback", "DEL portmap", "DEL bridge", "GC bridge", "GC portmap", "GC loopback"], _exec.Log);
        Assert.All(_exec.Calls.Skip(3), c => Assert.False(c.Stdin.ContainsKey("cni.dev/valid-attachments") || c.Stdin.ContainsKey("cni.dev/attachments")));
        Assert.Equal("other", Assert.Single(_runtime.GetCachedAttachments()).Network);
    }

    [Fact]
    public async Task Gc_goes_on_after_errors_and_reports_them_all()
    {
        var list = Chain("1.1.0");
        await _runtime.AddNetworkListAsync(list, _rt);
        _exec.Calls.Clear();
        _exec.Fail("portmap", "DEL", 999, "del failed");
        _exec.Fail("bridge", "GC", 100, "gc failed");
        _exec.Missing.Add("loopback");

        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.GcNetworkListAsync(list, []));

        Assert.Equal(["GC bridge", "GC portmap"], _exec.Log.Where(l => l.StartsWith("GC", StringComparison.Ordinal)));
        Assert.Equal(3, error.Errors.Count);
        Assert.Equal(
            "failed to delete stale attachment ctr1 eth0: plugin type=\"loopback\" failed (delete): failed to find plugin \"loopback\" in path [/opt/cni/bin /usr/lib/cni]\n" +
            "failed to GC plugin bridge: gc failed\n" +
            "failed to GC plugin loopback: failed to find plugin \"loopback\" in path [/opt/cni/bin /usr/lib/cni]",
            error.Message);
    }

    [Fact]
    public async Task Gc_below_1_1_0_only_deletes_and_disableGC_does_nothing()
    {
        await _runtime.AddNetworkListAsync(Chain("1.0.0"), _rt);
        _exec.Calls.Clear();
        await _runtime.GcNetworkListAsync(Chain("1.0.0", ",\"disableGC\":true"), null);
        Assert.Empty(_exec.Calls);

        await _runtime.GcNetworkListAsync(Chain("1.0.0"), null);
        Assert.Equal(["DEL loopback", "DEL portmap", "DEL bridge"], _exec.Log);
    }

    [Fact]
    public async Task Status_asks_each_plugin_and_returns_the_first_error_unwrapped()
    {
        _exec.Fail("portmap", "STATUS", 50, "not ready");
        var error = await Assert.ThrowsAsync<CniException>(() => _runtime.GetStatusNetworkListAsync(Chain("1.1.0")));
        Assert.Equal(50, error.Code);
        Assert.Equal(["STATUS bridge", "STATUS portmap"], _exec.Log);
        Assert.Equal(new PluginEnvironment { Command = "STATUS", Path = "/opt/cni/bin:/usr/lib/cni" }, _exec.Calls[0].Environment);
        Assert.Equal("1.1.0", _exec.Calls[0].Stdin["cniVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_below_1_1_0_runs_nothing()
    {
        await _runtime.GetStatusNetworkListAsync(Chain("1.0.0"));
        Assert.Empty(_exec.Calls);
    }

    [Fact]
    public async Task Version_info_uses_dummy_arguments()
    {
        _exec.Scripts[("bridge", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0"]}"""u8.ToArray();
        var info = await _runtime.GetVersionInfoAsync("bridge");
        Assert.Equal(["0.4.0", "1.0.0"], info.SupportedVersions!);
        var call = Assert.Single(_exec.Calls);
        Assert.Equal(new PluginEnvironment { Command = "VERSION", NetNs = "dummy", IfName = "dummy", Path = "dummy" }, call.Environment);
        Assert.Equal("""{"cniVersion":"1.1.0"}""", call.Stdin.ToJsonString());
    }

    [Fact]
    public async Task A_plugin_without_VERSION_supports_only_0_1_0()
    {
        _exec.Fail("old", "VERSION", 4, "unknown CNI_COMMAND: VERSION");
        Assert.Equal(["0.1.0"], (await _runtime.GetVersionInfoAsync("old")).SupportedVersions!);
    }

    [Theory]
    [InlineData("""{"cniVersion":"0.2.0"}""", "0.1.0,0.2.0", null)]
    [InlineData("""{"cniVersion":"0.3.0"}""", null, "decoding version info: missing field supportedVersions")]
    [InlineData("""{"supportedVersions":["1.0.0"]}""", null, "decoding version info: missing field cniVersion")]
    public void Version_info_decoding_follows_go(string json, string? supported, string? error)
    {
        if (error is null)
        {
            Assert.Equal(supported, string.Join(",", CniRuntime.DecodeVersionInfo(Encoding.UTF8.GetBytes(json)).SupportedVersions!));
        }
        else
        {
            Assert.Equal(error, Assert.Throws<CniRuntimeException>(() => CniRuntime.DecodeVersionInfo(Encoding.UTF8.GetBytes(json))).Message);
        }
    }

    [Fact]
    public async Task Validate_collects_every_problem_and_returns_capabilities()
    {
        _exec.Scripts[("bridge", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["1.0.0"]}"""u8.ToArray();
        _exec.Scripts[("portmap", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}"""u8.ToArray();
        _exec.Scripts[("loopback", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}"""u8.ToArray();
        Assert.Equal(["portMappings"], await _runtime.ValidateNetworkListAsync(Chain("1.0.0")));

        _exec.Missing.Add("loopback");
        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.ValidateNetworkListAsync(Chain("1.1.0")));
        Assert.Equal("[plugin bridge does not support config version \"1.1.0\" failed to find plugin \"loopback\" in path [/opt/cni/bin /usr/lib/cni]]", error.Message);
    }

    [Fact]
    public async Task Cached_config_and_result_are_returned()
    {
        var rt = _rt with { CapabilityArgs = Caps("""{"portMappings":[{"hostPort":1}]}""") };
        await _runtime.AddNetworkListAsync(Chain(), rt);

        var cached = _runtime.GetNetworkListCachedConfig(Chain(), _rt with { Args = [] })!;
        Assert.Equal(Chain().Bytes, cached.Config);
        Assert.Equal(_rt.Args, cached.RuntimeConf.Args);
        Assert.Equal("[{\"hostPort\":1}]", cached.RuntimeConf.CapabilityArgs["portMappings"].GetRawText());

        var result = Assert.IsType<Result040>(_runtime.GetNetworkListCachedResult(Chain("0.4.0"), _rt));
        Assert.Equal("0.4.0", result.CniVersion);
        Assert.Null(_runtime.GetNetworkListCachedResult(Chain(), _rt with { IfName = "eth1" }));
        Assert.Null(_runtime.GetNetworkListCachedConfig(Chain(), _rt with { IfName = "eth1" }));
    }

    [Fact]
    public async Task Cancellation_stops_the_chain()
    {
        using var cts = new CancellationTokenSource();
        _exec.Scripts[("bridge", "ADD")] = call =>
        {
            cts.Cancel();
            throw new OperationCanceledException(cts.Token);
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runtime.AddNetworkListAsync(Chain(), _rt, cts.Token));
        Assert.Single(_exec.Calls);
    }

    private static IReadOnlyDictionary<string, JsonElement> Caps(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
}
