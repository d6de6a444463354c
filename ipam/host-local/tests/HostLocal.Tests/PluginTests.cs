using System.Text.Json;
using CniPlugins.HostLocal;
using CniPlugins.HostLocal.Store;
using LibCni;
using LibCni.Skel;
using LibCni.TestKit;
using Xunit;

namespace HostLocal.Tests;

/// <summary>Every verb through the real plugin host, with the disk store in a temp dir and a fake resolv.conf reader.</summary>
public class PluginTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly Dictionary<string, string> _files = [];

    public void Dispose() => _temp.Dispose();

    private string StoreDir => _temp.Combine("net1");

    private string Conf(string version, string ipam = """ "subnet":"10.1.0.0/24" """, string extra = "") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge"{{{extra}}},"ipam":{"type":"host-local","dataDir":"{{{_temp.Path}}}",{{{ipam}}}}}""";

    private (int Exit, string Stdout) Run(string command, string conf, string containerId = "c1", string ifName = "eth0", string args = "")
    {
        var plugin = new HostLocalPlugin(c => DiskStore.Open(c.DataDir, c.Name), path => _files.TryGetValue(path, out var text) ? text : throw new FileNotFoundException(path));
        var env = FakeEnvironment.For(command, conf, ifName: ifName);
        env["CNI_CONTAINERID"] = containerId;
        env["CNI_ARGS"] = args;
        var exit = new PluginHost(plugin, About.For("host-local")).Run(env);
        return (exit, env.Output);
    }

    private string[] StoreFiles() => Directory.GetFiles(StoreDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_check_del_in_every_spec_version(string version)
    {
        var conf = Conf(version, """ "ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00:1::/64"}]],"routes":[{"dst":"0.0.0.0/0"}] """);
        var add = Run("ADD", conf);
        Assert.True(add.Exit == 0, add.Stdout);
        using (var doc = JsonDocument.Parse(add.Stdout))
        {
            var root = doc.RootElement;
            Assert.Equal(version, root.GetProperty("cniVersion").GetString());
            if (SpecVersions.FamilyOf(version) == ResultFamily.V020)
            {
                Assert.Equal("10.1.0.2/24", root.GetProperty("ip4").GetProperty("ip").GetString());
                Assert.Equal("10.1.0.1", root.GetProperty("ip4").GetProperty("gateway").GetString());
                Assert.Equal("0.0.0.0/0", root.GetProperty("ip4").GetProperty("routes")[0].GetProperty("dst").GetString());
                Assert.Equal("fd00:1::2/64", root.GetProperty("ip6").GetProperty("ip").GetString());
                Assert.Equal("fd00:1::1", root.GetProperty("ip6").GetProperty("gateway").GetString());
            }
            else
            {
                var ips = root.GetProperty("ips");
                Assert.Equal(2, ips.GetArrayLength());
                Assert.Equal("10.1.0.2/24", ips[0].GetProperty("address").GetString());
                Assert.Equal("10.1.0.1", ips[0].GetProperty("gateway").GetString());
                Assert.Equal("fd00:1::2/64", ips[1].GetProperty("address").GetString());
                Assert.False(ips[0].TryGetProperty("interface", out _));
                Assert.False(root.TryGetProperty("interfaces", out _));
                Assert.Equal(SpecVersions.FamilyOf(version) == ResultFamily.V040, ips[0].TryGetProperty("version", out _));
                Assert.Equal("0.0.0.0/0", root.GetProperty("routes")[0].GetProperty("dst").GetString());
            }
        }

        Assert.Equal("c1\r\neth0", File.ReadAllText(Path.Combine(StoreDir, "10.1.0.2")));
        Assert.Equal("c1\r\neth0", File.ReadAllText(Path.Combine(StoreDir, "fd00:1::2")));
        Assert.Equal("10.1.0.2", File.ReadAllText(Path.Combine(StoreDir, "last_reserved_ip.0")));
        Assert.Equal("fd00:1::2", File.ReadAllText(Path.Combine(StoreDir, "last_reserved_ip.1")));

        if (SpecVersionData.HasCheck(version))
        {
            Assert.Equal((0, ""), Run("CHECK", conf));
            var other = Run("CHECK", conf, containerId: "c2");
            Assert.Equal(1, other.Exit);
            Assert.Contains("\"msg\": \"host-local: Failed to find address added by container c2\"", other.Stdout, StringComparison.Ordinal);
        }

        Assert.Equal((0, ""), Run("DEL", conf));
        Assert.Equal(["last_reserved_ip.0", "last_reserved_ip.1", "lock"], StoreFiles());
        Assert.Equal((0, ""), Run("DEL", conf));

        if (SpecVersionData.HasCheck(version))
        {
            Assert.Equal(1, Run("CHECK", conf).Exit);
        }
    }

    [Fact]
    public void Result_carries_dns_from_resolv_conf()
    {
        _files["/etc/test-resolv.conf"] = "nameserver 10.0.0.53\nsearch example.com\ndomain example.com\noptions ndots:2\n";
        var add = Run("ADD", Conf("1.0.0", """ "subnet":"10.1.0.0/24","resolvConf":"/etc/test-resolv.conf" """));
        Assert.Equal(0, add.Exit);
        Assert.Equal(
            """{"cniVersion":"1.0.0","dns":{"nameservers":["10.0.0.53"],"domain":"example.com","search":["example.com"],"options":["ndots:2"]},"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1"}]}""",
            Compact(add.Stdout));
    }

    [Fact]
    public void Missing_resolv_conf_fails_add_and_takes_nothing()
    {
        var add = Run("ADD", Conf("1.0.0", """ "subnet":"10.1.0.0/24","resolvConf":"/nonexistent" """));
        Assert.Equal(1, add.Exit);
        Assert.Contains("\"msg\": \"open /nonexistent: no such file or directory\"", add.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StoreDir) && StoreFiles().Any(f => f.StartsWith("10.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Exhaustion_releases_what_this_add_took_and_nothing_else()
    {
        var conf = Conf("1.1.0", """ "ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/30"}]] """);
        Assert.Equal(0, Run("ADD", conf, "c1").Exit);
        var full = Run("ADD", conf, "c2");
        Assert.Equal(1, full.Exit);
        Assert.Contains("\"msg\": \"failed to allocate for range 1: no IP addresses available in range set: 10.2.0.1-10.2.0.2\"", full.Stdout, StringComparison.Ordinal);
        Assert.Equal(["10.1.0.2", "10.2.0.2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"], StoreFiles());
        Assert.Equal("10.1.0.3", File.ReadAllText(Path.Combine(StoreDir, "last_reserved_ip.0")));
    }

    [Fact]
    public void Duplicate_add_fails_but_keeps_the_existing_allocation()
    {
        var conf = Conf("1.1.0", """ "ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]] """);
        Assert.Equal(0, Run("ADD", conf).Exit);
        var again = Run("ADD", conf);
        Assert.Equal(1, again.Exit);
        Assert.Contains("\"msg\": \"failed to allocate for range 0: 10.1.0.2 has been allocated to c1, duplicate allocation is not allowed\"", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(["10.1.0.2", "10.2.0.2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"], StoreFiles());
    }

    [Fact]
    public void Requested_ips_from_every_source_deduplicated()
    {
        var conf = Conf("1.1.0", """ "ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00::/64"}]] """,
            extra: ""","capabilities":{"ips":true},"runtimeConfig":{"ips":["10.1.0.50/24","10.1.0.50","fd00::50"]}""");
        var add = Run("ADD", conf, args: "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.1.0.50");
        Assert.Equal(0, add.Exit);
        Assert.Contains("\"address\": \"10.1.0.50/24\"", add.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"address\": \"fd00::50/64\"", add.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Cni_args_ip_with_a_prefix_requests_the_address()
    {
        var add = Run("ADD", Conf("1.1.0"), args: "IP=10.1.0.50/24");
        Assert.Equal(0, add.Exit);
        Assert.Contains("\"address\": \"10.1.0.50/24\"", add.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("DEL")]
    [InlineData("CHECK")]
    [InlineData("GC")]
    public void A_store_that_cannot_be_opened_is_an_io_failure(string command)
    {
        File.WriteAllText(StoreDir, "a file where the store directory belongs");
        var conf = Conf("1.1.0", extra: command == "GC" ? ""","cni.dev/valid-attachments":[]""" : "");
        var result = Run(command, conf);
        Assert.Equal(1, result.Exit);
        Assert.Contains("\"code\": 5,", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsatisfiable_requested_ip_releases_everything_taken()
    {
        var conf = Conf("1.1.0", """ "subnet":"10.1.0.0/24" """, extra: ""","args":{"cni":{"ips":["10.1.0.9","10.9.9.9","10.1.0.10"]}}""");
        var add = Run("ADD", conf);
        Assert.Equal(1, add.Exit);
        Assert.Contains("\"msg\": \"failed to allocate all requested IPs: 10.9.9.9 10.1.0.10\"", add.Stdout, StringComparison.Ordinal);
        Assert.Equal(["last_reserved_ip.0", "lock"], StoreFiles());

        var taken = Run("ADD", Conf("1.1.0", """ "subnet":"10.1.0.0/24" """), "c2", args: "IP=10.1.0.9");
        Assert.Equal(0, taken.Exit);
        var refused = Run("ADD", Conf("1.1.0", """ "subnet":"10.1.0.0/24" """), "c3", args: "IP=10.1.0.9");
        Assert.Contains("\"msg\": \"failed to allocate for range 0: requested IP address 10.1.0.9 is not available in range set 10.1.0.1-10.1.0.254\"", refused.Stdout, StringComparison.Ordinal);
        var gateway = Run("ADD", Conf("1.1.0", """ "subnet":"10.1.0.0/24" """), "c3", args: "IP=10.1.0.1");
        Assert.Contains("\"msg\": \"failed to allocate for range 0: requested ip 10.1.0.1 is subnet's gateway\"", gateway.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_of_an_unknown_container_succeeds_but_needs_a_valid_config()
    {
        Assert.Equal((0, ""), Run("DEL", Conf("1.1.0"), "never-added"));
        var bad = Run("DEL", Conf("1.1.0", """ "subnet":"10.1.0.1/24" """));
        Assert.Equal(1, bad.Exit);
        Assert.Contains("\"code\": 7", bad.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_accepts_legacy_id_only_records()
    {
        Directory.CreateDirectory(StoreDir);
        File.WriteAllText(Path.Combine(StoreDir, "10.1.0.9"), "c1");
        Assert.Equal((0, ""), Run("CHECK", Conf("1.1.0")));
        Assert.Equal((0, ""), Run("DEL", Conf("1.1.0")));
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.1.0.9")));
    }

    [Fact]
    public void Gc_releases_what_is_not_valid()
    {
        var conf = Conf("1.1.0");
        Assert.Equal(0, Run("ADD", conf, "keep").Exit);
        Assert.Equal(0, Run("ADD", conf, "keep", ifName: "eth1").Exit);
        Assert.Equal(0, Run("ADD", conf, "gone").Exit);
        File.WriteAllText(Path.Combine(StoreDir, "10.1.0.100"), "keep");
        File.WriteAllText(Path.Combine(StoreDir, "10.1.0.101"), "legacy-gone");
        File.WriteAllText(Path.Combine(StoreDir, "10.1.0.102"), "");

        // No key at all: nothing is asserted, nothing is collected.
        Assert.Equal((0, ""), Run("GC", conf));
        Assert.Equal(8, StoreFiles().Length);

        var gc = conf[..^1] + ""","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}],"cni.dev/attachments":[{"containerID":"keep","ifname":"eth0"}]}""";
        Assert.Equal((0, ""), Run("GC", gc));
        Assert.Equal(["10.1.0.100", "10.1.0.2", "last_reserved_ip.0", "lock"], StoreFiles());

        // An explicit empty list (or null, as the runtime library sends it) means nothing is valid.
        Assert.Equal((0, ""), Run("GC", conf[..^1] + ""","cni.dev/valid-attachments":null}"""));
        Assert.Equal(["last_reserved_ip.0", "lock"], StoreFiles());
    }

    [Fact]
    public void Gc_and_status_need_1_1_0()
    {
        var gc = Run("GC", Conf("1.0.0")[..^1] + ""","cni.dev/valid-attachments":[]}""");
        Assert.Equal(1, gc.Exit);
        Assert.Contains("config version does not allow GC", gc.Stdout, StringComparison.Ordinal);
        Assert.Equal((0, ""), Run("STATUS", Conf("1.1.0")));
    }

    [Fact]
    public void Status_reports_an_unusable_data_dir_as_code_50()
    {
        File.WriteAllText(_temp.Combine("file"), "in the way");
        var conf = $$$"""{"cniVersion":"1.1.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"{{{_temp.Combine("file")}}}","subnet":"10.1.0.0/24"}}""";
        var status = Run("STATUS", conf);
        Assert.Equal(1, status.Exit);
        Assert.Contains("\"code\": 50", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("host-local: data directory unusable", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_robin_continues_across_invocations()
    {
        var conf = Conf("1.1.0", """ "subnet":"10.1.0.0/29" """);
        var addresses = new List<string>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            addresses.Add(JsonDocument.Parse(Run("ADD", conf, id).Stdout).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!);
        }

        Assert.Equal((0, ""), Run("DEL", conf, "a"));
        addresses.Add(JsonDocument.Parse(Run("ADD", conf, "d").Stdout).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!);
        Assert.Equal(["10.1.0.2/29", "10.1.0.3/29", "10.1.0.4/29", "10.1.0.5/29"], addresses);
    }

    private static string Compact(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(doc.RootElement);
    }
}
