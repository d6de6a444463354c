using System.Text;
using System.Text.Json;
using LibCni.Runtime;
using LibCni.Types;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>The cache file format, both directions, against files written by hand in Go libcni's format.</summary>
public class ResultCacheTests
{
    private const string Conflist = """{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"bridge","bridge":"cni0"},{"type":"loopback"}]}""";

    private static readonly RuntimeConf Rt = new() { ContainerId = "ctr1", NetNs = "/run/netns/ctr1", IfName = "eth0" };

    // What Go libcni writes after an ADD (json.Marshal of cachedInfo: struct key order, []byte as base64,
    // the result as a sorted map; Go's 1.0.0 result keeps an empty "dns":{}).
    private static readonly string GoV1Fixture =
        "{\"kind\":\"cniCacheV1\",\"containerId\":\"ctr1\",\"config\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(Conflist)) + "\"," +
        "\"ifName\":\"eth0\",\"networkName\":\"net1\",\"netns\":\"/run/netns/ctr1\"," +
        "\"cniArgs\":[[\"IgnoreUnknown\",\"1\"],[\"K8S_POD_NAME\",\"web\"]]," +
        "\"capabilityArgs\":{\"portMappings\":[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\"}]}," +
        "\"result\":{\"cniVersion\":\"1.0.0\",\"dns\":{},\"interfaces\":[{\"mac\":\"0a:58:0a:01:00:05\",\"name\":\"eth0\",\"sandbox\":\"/run/netns/ctr1\"}]," +
        "\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\",\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]}}";

    // Before cniCacheV1, Go libcni stored the bare result.
    private const string GoLegacyFixture =
        """{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr1"}],"ips":[{"version":"4","address":"10.1.0.7/16","interface":0}],"dns":{}}""";

    private static (CniRuntime Runtime, InMemoryCacheFileSystem Files) Runtime()
    {
        var files = new InMemoryCacheFileSystem();
        return (new CniRuntime(["/bin"], new RecordingExecutor(), "/var/lib/cni", files), files);
    }

    private static NetworkConfigList List(string version = "1.0.0") =>
        ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(Conflist.Replace("1.0.0", version, StringComparison.Ordinal)));

    [Fact]
    public void A_go_written_v1_entry_is_read()
    {
        var (runtime, files) = Runtime();
        files.Files["/var/lib/cni/results/net1-ctr1-eth0"] = Encoding.UTF8.GetBytes(GoV1Fixture);

        var result = Assert.IsType<Result100>(runtime.GetNetworkListCachedResult(List(), Rt));
        Assert.Equal("10.1.0.5/16", result.Ips![0].Address.ToString());
        Assert.Equal("0a:58:0a:01:00:05", result.Interfaces![0].Mac);

        var asOld = Assert.IsType<Result040>(runtime.GetNetworkListCachedResult(List("0.4.0"), Rt));
        Assert.Equal("4", asOld.Ips![0].Version);

        var cached = runtime.GetNetworkListCachedConfig(List(), Rt)!;
        Assert.Equal(Conflist, Encoding.UTF8.GetString(cached.Config));
        Assert.Equal([new("IgnoreUnknown", "1"), new("K8S_POD_NAME", "web")], cached.RuntimeConf.Args);
        Assert.Equal(8080, cached.RuntimeConf.CapabilityArgs["portMappings"][0].GetProperty("hostPort").GetInt32());

        var attachment = Assert.Single(runtime.GetCachedAttachments());
        Assert.Equal(("ctr1", "net1", "eth0", "/run/netns/ctr1"), (attachment.ContainerId, attachment.Network, attachment.IfName, attachment.NetNs));
        Assert.Equal(Conflist, Encoding.UTF8.GetString(attachment.Config));
        Assert.Equal(2, attachment.CniArgs.Count);
    }

    [Fact]
    public void A_go_legacy_bare_result_is_read_but_not_listed_as_an_attachment()
    {
        var (runtime, files) = Runtime();
        files.Files["/var/lib/cni/results/net1-ctr1-eth0"] = Encoding.UTF8.GetBytes(GoLegacyFixture);

        var result = Assert.IsType<Result100>(runtime.GetNetworkListCachedResult(List(), Rt));
        Assert.Equal("1.0.0", result.CniVersion);
        Assert.Equal("10.1.0.7/16", result.Ips![0].Address.ToString());
        Assert.Empty(runtime.GetCachedAttachments());
        Assert.Throws<CniRuntimeException>(() => runtime.GetNetworkListCachedConfig(List(), Rt));
    }

    [Fact]
    public async Task What_we_write_has_go_keys_in_go_order_and_base64_config()
    {
        var (runtime, files) = Runtime();
        var rt = Rt with
        {
            Args = [new("IgnoreUnknown", "1")],
            CapabilityArgs = JsonDocument.Parse("""{"portMappings":[{"hostPort":8080}]}""").RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
        };
        await runtime.AddNetworkListAsync(List(), rt);

        var bytes = files.Files["/var/lib/cni/results/net1-ctr1-eth0"];
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        Assert.Equal(["kind", "containerId", "config", "ifName", "networkName", "netns", "cniArgs", "capabilityArgs", "result"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("cniCacheV1", root.GetProperty("kind").GetString());
        Assert.Equal(Conflist, Encoding.UTF8.GetString(Convert.FromBase64String(root.GetProperty("config").GetString()!)));
        Assert.Equal("""[["IgnoreUnknown","1"]]""", root.GetProperty("cniArgs").GetRawText());
        Assert.Equal("""{"portMappings":[{"hostPort":8080}]}""", root.GetProperty("capabilityArgs").GetRawText());
        Assert.Equal("1.0.0", root.GetProperty("result").GetProperty("cniVersion").GetString());
        Assert.Equal(2, root.GetProperty("result").GetProperty("interfaces").GetArrayLength());
    }

    [Fact]
    public async Task Empty_optional_keys_are_omitted_as_go_omitempty_does()
    {
        var (runtime, files) = Runtime();
        await runtime.AddNetworkListAsync(List(), Rt with { NetNs = "" });
        using var doc = JsonDocument.Parse(files.Files.Values.Single());
        Assert.Equal(["kind", "containerId", "config", "ifName", "networkName", "result"], doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Our_entry_round_trips_through_the_go_reading_rules()
    {
        var (runtime, files) = Runtime();
        await runtime.AddNetworkListAsync(List(), Rt);
        var written = files.Files.Values.Single();

        // Feed the written bytes to a fresh runtime as if another process (or Go) wrote them.
        var (reader, readerFiles) = Runtime();
        readerFiles.Files["/var/lib/cni/results/net1-ctr1-eth0"] = written;
        Assert.Equal(["bridge", "loopback"], Assert.IsType<Result100>(reader.GetNetworkListCachedResult(List(), Rt)).Interfaces!.Select(i => i.Name));
        Assert.Single(reader.GetCachedAttachments("ctr1"));
    }

    [Fact]
    public void Attachments_are_filtered_by_container_and_skip_unusable_entries()
    {
        var (runtime, files) = Runtime();
        files.Files["/var/lib/cni/results/net1-ctr1-eth0"] = Encoding.UTF8.GetBytes(GoV1Fixture);
        files.Files["/var/lib/cni/results/net1-ctr10-eth0"] = Encoding.UTF8.GetBytes(GoV1Fixture.Replace("\"ctr1\"", "\"ctr10\"", StringComparison.Ordinal));
        files.Files["/var/lib/cni/results/net1-ctr2-eth0"] = "not json"u8.ToArray();
        files.Files["/var/lib/cni/results/net1-ctr3-eth0"] = Encoding.UTF8.GetBytes(GoV1Fixture.Replace("\"ifName\":\"eth0\"", "\"ifName\":\"\"", StringComparison.Ordinal));
        files.Files["/var/lib/cni/results/other-dir/x"] = Encoding.UTF8.GetBytes(GoV1Fixture);

        Assert.Equal(["ctr1", "ctr10"], runtime.GetCachedAttachments().Select(a => a.ContainerId));
        Assert.Equal("ctr1", Assert.Single(runtime.GetCachedAttachments("ctr1")).ContainerId);
        Assert.Empty(runtime.GetCachedAttachments("net1"));
    }

    [Fact]
    public void Cache_paths_need_all_three_identifiers()
    {
        var (runtime, _) = Runtime();
        var error = Assert.Throws<CniRuntimeException>(() => runtime.GetNetworkListCachedResult(List(), Rt with { ContainerId = "" }));
        Assert.Equal("cache file path requires network name (\"net1\"), container ID (\"\"), and interface name (\"eth0\")", error.Message);
    }

    [Fact]
    public void The_disk_cache_is_private_and_written_atomically()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "cache", "results", "net1-ctr1-eth0");
        DiskCacheFileSystem.Instance.WriteFile(path, "one"u8.ToArray());
        DiskCacheFileSystem.Instance.WriteFile(path, "two"u8.ToArray());

        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Equal(["net1-ctr1-eth0"], DiskCacheFileSystem.Instance.ListFileNames(Path.GetDirectoryName(path)!));
        Assert.Empty(DiskCacheFileSystem.Instance.ListFileNames(Path.Combine(dir.Path, "absent")));
        Assert.Null(DiskCacheFileSystem.Instance.ReadFile(Path.Combine(dir.Path, "absent")));
        DiskCacheFileSystem.Instance.DeleteFile(path);
        DiskCacheFileSystem.Instance.DeleteFile(path);
        Assert.False(File.Exists(path));
    }
}
