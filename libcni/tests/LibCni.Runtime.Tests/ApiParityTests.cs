using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.Runtime;
using LibCni.Types;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>
/// The parts of Go libcni's API added for embedders (see libcni/README.md, parity table): single-network
/// verbs, config loading helpers, InjectConf, capability injection, the deprecated RuntimeConf.CacheDir and
/// the trace context of the caller's Activity.
/// </summary>
public class ApiParityTests
{
    private const string Single = """{"cniVersion":"1.1.0","name":"solo","type":"bridge","capabilities":{"portMappings":true,"ips":false}}""";
    private readonly RecordingExecutor _exec = new();
    private readonly InMemoryCacheFileSystem _files = new();
    private readonly CniRuntime _runtime;
    private readonly RuntimeConf _rt = new() { ContainerId = "ctr1", NetNs = "/run/netns/ctr1", IfName = "eth0" };

    public ApiParityTests()
    {
        _runtime = new CniRuntime(["/opt/cni/bin"], _exec, "/cache", _files);
    }

    private static PluginConfig Net(string json = Single) => PluginConfig.FromBytes(Encoding.UTF8.GetBytes(json));

    [Fact]
    public async Task AddNetwork_uses_the_configs_own_name_and_version_and_caches_its_bytes()
    {
        var result = await _runtime.AddNetworkAsync(Net(), _rt);

        var call = Assert.Single(_exec.Calls);
        Assert.Equal(("ADD", "solo", "1.1.0"), (call.Command, call.Stdin["name"]!.GetValue<string>(), call.Stdin["cniVersion"]!.GetValue<string>()));
        Assert.Null(call.Stdin["prevResult"]);
        Assert.IsType<Result100>(result);
        Assert.Equal(Single, Encoding.UTF8.GetString(_runtime.GetNetworkCachedConfig(Net(), _rt)!.Config));
        Assert.Equal("bridge", Assert.IsType<Result100>(_runtime.GetNetworkCachedResult(Net(), _rt)).Interfaces![0].Name);
        Assert.True(_files.Files.ContainsKey("/cache/results/solo-ctr1-eth0"));
    }

    [Fact]
    public async Task AddNetwork_returns_the_plugin_error_unwrapped_and_caches_nothing()
    {
        _exec.Fail("bridge", "ADD", 11, "try later");
        var error = await Assert.ThrowsAsync<CniException>(() => _runtime.AddNetworkAsync(Net(), _rt));
        Assert.Equal((11, "try later"), (error.Code, error.Message));
        Assert.Empty(_files.Files);
    }

    [Fact]
    public async Task CheckNetwork_sends_the_cached_result_and_refuses_old_versions()
    {
        await _runtime.AddNetworkAsync(Net(), _rt);
        await _runtime.CheckNetworkAsync(Net(), _rt);
        Assert.Equal("bridge", _exec.Calls[1].Stdin["prevResult"]!["interfaces"]![0]!["name"]!.GetValue<string>());

        var old = await Assert.ThrowsAsync<CheckNotSupportedException>(() => _runtime.CheckNetworkAsync(Net(Single.Replace("1.1.0", "0.3.1", StringComparison.Ordinal)), _rt));
        Assert.Equal("configuration version \"0.3.1\" does not support the CHECK command", old.Message);
    }

    [Fact]
    public async Task DelNetwork_sends_the_cached_result_then_drops_the_entry_and_keeps_it_on_failure()
    {
        await _runtime.AddNetworkAsync(Net(), _rt);
        _exec.Fail("bridge", "DEL", 11, "busy");
        await Assert.ThrowsAsync<CniException>(() => _runtime.DelNetworkAsync(Net(), _rt));
        Assert.NotNull(_runtime.GetNetworkCachedResult(Net(), _rt));

        _exec.Scripts.Clear();
        await _runtime.DelNetworkAsync(Net(), _rt);
        Assert.NotNull(_exec.Calls[^1].Stdin["prevResult"]);
        Assert.Null(_runtime.GetNetworkCachedResult(Net(), _rt));
        Assert.Null(_runtime.GetNetworkCachedConfig(Net(), _rt));
    }

    [Fact]
    public async Task GcNetwork_and_StatusNetwork_run_the_single_plugin()
    {
        await _runtime.AddNetworkAsync(Net(), _rt);
        await _runtime.GcNetworkAsync(Net(), validAttachments: []);
        Assert.Equal(["ADD bridge", "DEL bridge", "GC bridge"], _exec.Log);
        Assert.Empty(_runtime.GetCachedAttachments());

        await _runtime.GetStatusNetworkAsync(Net());
        Assert.Equal("STATUS bridge", _exec.Log.Last());
    }

    [Fact]
    public async Task ValidateNetwork_checks_the_version_and_returns_the_enabled_capabilities()
    {
        _exec.Scripts[("bridge", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}"""u8.ToArray();
        Assert.Equal(["portMappings"], await _runtime.ValidateNetworkAsync(Net()));

        var error = await Assert.ThrowsAsync<CniRuntimeException>(() => _runtime.ValidateNetworkAsync(Net(Single.Replace("1.1.0", "0.4.0", StringComparison.Ordinal))));
        Assert.Equal("plugin bridge does not support config version \"0.4.0\"", error.Message);
    }

    [Fact]
    public async Task The_deprecated_RuntimeConf_CacheDir_is_used_only_when_the_runtime_has_none()
    {
        var runtime = new CniRuntime(["/opt/cni/bin"], _exec, cacheDirectory: null, cacheFiles: _files);
#pragma warning disable CS0618 // the deprecated field under test
        await runtime.AddNetworkAsync(Net(), _rt with { CacheDir = "/legacy" });
        await _runtime.AddNetworkAsync(Net(), _rt with { CacheDir = "/legacy" });
#pragma warning restore CS0618
        Assert.True(_files.Files.ContainsKey("/legacy/results/solo-ctr1-eth0"));
        Assert.True(_files.Files.ContainsKey("/cache/results/solo-ctr1-eth0"));
        Assert.Equal(CniRuntime.DefaultCacheDirectory, runtime.CacheDirectory);
    }

    [Fact]
    public async Task A_current_activity_sets_the_w3c_trace_context_of_every_plugin_call()
    {
        using var activity = new Activity("cni-add").SetIdFormat(ActivityIdFormat.W3C).AddBaggage("tenant", "a b").Start();
        activity.TraceStateString = "vendor=x";
        var list = ConfigLoader.FromBytes("""{"cniVersion":"1.1.0","name":"net","plugins":[{"type":"bridge"},{"type":"portmap"}]}"""u8.ToArray());

        _exec.Scripts[("bridge", "VERSION")] = _ => """{"cniVersion":"1.1.0","supportedVersions":["1.1.0"]}"""u8.ToArray();
        await _runtime.AddNetworkListAsync(list, _rt);
        await _runtime.GetVersionInfoAsync("bridge");

        Assert.All(_exec.Calls, call =>
        {
            Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-00", call.Environment.TraceParent);
            Assert.Equal("vendor=x", call.Environment.TraceState);
            Assert.Equal("tenant=a%20b", call.Environment.Baggage);
        });
        Assert.Contains(new KeyValuePair<string, string>("TRACEPARENT", activity.Id!), _exec.Calls[0].Environment.Variables);
    }

    [Fact]
    public async Task Without_an_activity_no_trace_variable_is_set_so_inherited_ones_pass()
    {
        Assert.Null(Activity.Current);
        await _runtime.AddNetworkAsync(Net(), _rt);
        Assert.DoesNotContain(_exec.Calls[0].Environment.Variables, v => v.Key is "TRACEPARENT" or "TRACESTATE" or "BAGGAGE");
    }

    [Fact]
    public void InjectConf_sets_top_level_keys_sorted_and_refuses_empty_keys_and_nulls()
    {
        var injected = ConfigLoader.InjectConf(Net(), [new("name", "renamed"), new("extra", new JsonObject { ["a"] = 1 })]);
        Assert.Equal("""{"capabilities":{"ips":false,"portMappings":true},"cniVersion":"1.1.0","extra":{"a":1},"name":"renamed","type":"bridge"}""", Encoding.UTF8.GetString(injected.Bytes));
        Assert.Equal("renamed", injected.Name);
        Assert.Equal("keys cannot be empty", Assert.Throws<CniRuntimeException>(() => ConfigLoader.InjectConf(Net(), [new("", 1)])).Message);
        Assert.Equal("key 'x' value must not be nil", Assert.Throws<CniRuntimeException>(() => ConfigLoader.InjectConf(Net(), [new("x", null)])).Message);
    }

    [Fact]
    public void Capability_injection_passes_only_enabled_capabilities_as_runtimeConfig()
    {
        using var ports = JsonDocument.Parse("""[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]""");
        using var ips = JsonDocument.Parse("""["10.0.0.5/24"]""");
        var rt = _rt with { CapabilityArgs = new Dictionary<string, JsonElement> { ["portMappings"] = ports.RootElement, ["ips"] = ips.RootElement } };
        var injected = JsonNode.Parse(ConfigLoader.InjectRuntimeConfig(Net(), rt).Bytes)!;
        Assert.Equal("""{"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]}""", injected["runtimeConfig"]!.ToJsonString());
    }

    [Fact]
    public void Single_configs_and_drop_ins_load_from_files()
    {
        using var dir = new TempDir();
        dir.Write("10-a.conf", """{"cniVersion":"1.0.0","name":"a","type":"bridge"}""");
        dir.Write("20-b.json", """{"cniVersion":"1.0.0","name":"b","type":"ptp"}""");
        dir.Write("b/1.conf", """{"type":"portmap"}""");
        dir.Write("b/2.conf", """{"type":"tuning"}""");

        Assert.Equal("ptp", ConfigLoader.LoadPluginConfig(dir.Path, "b").Type);
        Assert.Equal("bridge", ConfigLoader.PluginConfigFromFile(Path.Combine(dir.Path, "10-a.conf")).Type);
        Assert.Equal(["portmap", "tuning"], ConfigLoader.PluginConfigsFromFiles(dir.Path, "b").Select(p => p.Type));
        Assert.Empty(ConfigLoader.PluginConfigsFromFiles(dir.Path, "none"));
        Assert.Throws<NetworkNotFoundException>(() => ConfigLoader.LoadPluginConfig(dir.Path, "c"));
        Assert.Throws<NoConfigsFoundException>(() => ConfigLoader.LoadPluginConfig(Path.Combine(dir.Path, "b", "empty"), "c"));
    }

    [Fact]
    public async Task A_go_written_single_network_entry_is_read_and_ours_has_kind_cniCacheV1()
    {
        // What Go's AddNetwork caches for a single config: its bytes as config, its name as networkName.
        _files.Files["/cache/results/solo-ctr1-eth0"] = Encoding.UTF8.GetBytes(
            "{\"kind\":\"cniCacheV1\",\"containerId\":\"ctr1\",\"config\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(Single)) + "\"," +
            "\"ifName\":\"eth0\",\"networkName\":\"solo\",\"netns\":\"/run/netns/ctr1\"," +
            "\"result\":{\"cniVersion\":\"1.1.0\",\"dns\":{},\"ips\":[{\"address\":\"10.1.0.5/16\"}]}}");
        Assert.Equal("10.1.0.5/16", Assert.IsType<Result100>(_runtime.GetNetworkCachedResult(Net(), _rt)).Ips![0].Address.ToString());
        Assert.Equal(Single, Encoding.UTF8.GetString(_runtime.GetNetworkCachedConfig(Net(), _rt)!.Config));

        await _runtime.AddNetworkAsync(Net(), _rt with { IfName = "eth1" });
        using var ours = JsonDocument.Parse(_files.Files["/cache/results/solo-ctr1-eth1"]);
        Assert.Equal(CniRuntime.CacheFormatV1, ours.RootElement.GetProperty("kind").GetString());
        Assert.Equal("cniCacheV1", CniRuntime.CacheFormatV1);
        Assert.Equal("solo", ours.RootElement.GetProperty("networkName").GetString());
    }

    [Fact]
    public void CniRuntime_is_the_ICniRuntime_of_Go_libcni_CNI_interface() =>
        Assert.IsAssignableFrom<ICniRuntime>(_runtime);
}
