using System.Text.Json;
using LibCni;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Bridge.Tests;

/// <summary>A private host netns, container namespaces, and the published bridge binary run inside the host.</summary>
public sealed class BridgeHost : IDisposable
{
    private readonly BinaryHost _bin = new("cni-bridge-ipam");

    public TestNetns Host => _bin.Host!;

    public string DataDir => _bin.DataDir;

    public TestNetns Container() => _bin.Container();

    /// <summary>Our IPAM first: dist/bin/host-local when built, else the reference's.</summary>
    public static string CniPath => $"{Repo.BinDir}:/usr/lib/cni";

    public string Conf(string version, string extra = "", string subnet = "10.88.0.0/24") =>
        "{\"cniVersion\":\"" + version + "\",\"name\":\"brnet\",\"type\":\"bridge\",\"bridge\":\"cnibr0\"" + extra +
        ",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + DataDir + "\",\"ranges\":[[{\"subnet\":\"" + subnet + "\"}]]}}";

    public ProcessResult Exec(string command, string conf, TestNetns? container, string containerId, string ifName = "eth0", string netns = "") =>
        _bin.Exec("bridge", conf, Environment(command, container, containerId, ifName, netns));

    /// <summary><see cref="Exec"/> under strace: also the programs the run started, bridge itself first.</summary>
    public (ProcessResult Result, IReadOnlyList<string> Programs) ExecTraced(string command, string conf, TestNetns? container, string containerId) =>
        _bin.ExecTraced("bridge", conf, Environment(command, container, containerId, "eth0", ""));

    private static Dictionary<string, string> Environment(string command, TestNetns? container, string containerId, string ifName, string netns) =>
        BinaryHost.Environment(command, containerId, container?.Path ?? netns, ifName, "IgnoreUnknown=1;K8S_POD_NAME=pod", CniPath);

    public JsonElement HostJson(params string[] args)
    {
        using var doc = JsonDocument.Parse(Host.Ip(["-j", .. args]));
        return doc.RootElement.Clone();
    }

    public void Dispose() => _bin.Dispose();
}

[Trait("Tier", "Binary")]
public class BridgeBinaryTests
{
    public static TheoryData<string> L3Versions => new(SpecVersions.All.Where(v => SpecVersions.AtLeast(v, "0.3.0")));

    [Theory]
    [MemberData(nameof(L3Versions))]
    public void Add_check_del_with_gateway_in_every_version(string version)
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf(version, ""","isDefaultGateway":true""");
        var add = h.Exec("ADD", conf, ctr, "ctr-a");
        Ok(add);
        using var result = JsonDocument.Parse(add.Stdout);
        var root = result.RootElement;
        Assert.Equal(version, root.GetProperty("cniVersion").GetString());
        var names = root.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal("cnibr0", names[0]);
        Assert.StartsWith("veth", names[1], StringComparison.Ordinal);
        Assert.Equal("eth0", names[2]);
        Assert.Equal("10.88.0.2/24", root.GetProperty("ips")[0].GetProperty("address").GetString());

        // Kernel state, seen through iproute2: gateway on the bridge, host veth enslaved, address and default route inside.
        Assert.Contains("10.88.0.1/24", h.Host.Ip("-br", "addr", "show", "cnibr0"), StringComparison.Ordinal);
        var veth = h.HostJson("-d", "link", "show", names[1]!)[0];
        Assert.Equal("cnibr0", veth.GetProperty("master").GetString());
        Assert.Contains("10.88.0.2/24", ctr.Ip("-br", "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains("default via 10.88.0.1 dev eth0", ctr.Ip("route"), StringComparison.Ordinal);
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", h.Host.Name, "cat", "/proc/sys/net/ipv4/ip_forward").Trim());
        Shell.Run("ip", "netns", "exec", ctr.Name, "ping", "-c1", "-W2", "10.88.0.1");

        if (SpecVersions.AtLeast(version, "0.4.0"))
        {
            var withPrev = conf[..^1] + $",\"prevResult\":{add.Stdout}}}";
            Ok(h.Exec("CHECK", withPrev, ctr, "ctr-a"));
            ctr.Ip("link", "del", "eth0");
            var check = h.Exec("CHECK", withPrev, ctr, "ctr-a");
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("eth0", check.Stdout, StringComparison.Ordinal);
        }

        Ok(h.Exec("DEL", conf, ctr, "ctr-a"));
        Ok(h.Exec("DEL", conf, ctr, "ctr-a"));
        Assert.DoesNotContain(names[1]!, h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.DataDir, "brnet", "10.88.0.2")), "the address must be released");
    }

    [Fact]
    public void Two_containers_talk_and_del_with_the_netns_gone_releases_the_address()
    {
        using var h = new BridgeHost();
        var a = h.Container();
        var b = h.Container();
        var conf = h.Conf("1.0.0", ""","isGateway":true""");
        Ok(h.Exec("ADD", conf, a, "ctr-a"));
        Ok(h.Exec("ADD", conf, b, "ctr-b"));
        Shell.Run("ip", "netns", "exec", a.Name, "ping", "-c1", "-W2", "10.88.0.3");

        var path = b.Path;
        b.Ip("link", "del", "eth0");
        Shell.Run("ip", "netns", "del", b.Name);
        var del = h.Exec("DEL", conf, null, "ctr-b", netns: path);
        Ok(del);
        Assert.False(File.Exists(Path.Combine(h.DataDir, "brnet", "10.88.0.3")));
        Ok(h.Exec("DEL", conf, null, "ctr-b", netns: ""));
    }

    [Fact]
    public void Parallel_adds_race_to_create_the_bridge_and_all_succeed()
    {
        using var h = new BridgeHost();
        var containers = Enumerable.Range(0, 8).Select(_ => h.Container()).ToList();
        var conf = h.Conf("1.0.0");
        var results = containers.AsParallel().WithDegreeOfParallelism(8).Select((c, i) => h.Exec("ADD", conf, c, $"par-{i}")).ToList();
        Assert.All(results, Ok);
        var addresses = results.Select(r => JsonDocument.Parse(r.Stdout).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()).ToList();
        Assert.Equal(8, addresses.Distinct().Count());
        var ports = h.HostJson("link", "show", "master", "cnibr0");
        Assert.Equal(8, ports.GetArrayLength());
    }

    [Fact]
    public void A_failed_add_leaves_no_veth_behind()
    {
        using var h = new BridgeHost();
        var conf = h.Conf("1.0.0", subnet: "10.89.0.0/30");
        Ok(h.Exec("ADD", conf, h.Container(), "first"));
        var before = h.HostJson("link").GetArrayLength();
        var second = h.Exec("ADD", conf, h.Container(), "second");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("no IP addresses available", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, h.HostJson("link").GetArrayLength());
    }

    [Fact]
    public void Port_options_hairpin_isolation_mtu_and_mac_reach_the_kernel()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","hairpinMode":true,"portIsolation":true,"mtu":1400,"runtimeConfig":{"mac":"0a:58:0a:58:00:07"}""");
        var add = h.Exec("ADD", conf, ctr, "opts");
        Ok(add);
        var hostVeth = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("interfaces")[1].GetProperty("name").GetString()!;
        var port = h.HostJson("-d", "link", "show", hostVeth)[0];
        Assert.Equal(1400, port.GetProperty("mtu").GetInt32());
        var slave = port.GetProperty("linkinfo").GetProperty("info_slave_data");
        Assert.True(slave.GetProperty("hairpin").GetBoolean());
        Assert.True(slave.GetProperty("isolated").GetBoolean());
        var eth0 = JsonDocument.Parse(ctr.Ip("-j", "link", "show", "eth0")).RootElement[0];
        Assert.Equal("0a:58:0a:58:00:07", eth0.GetProperty("address").GetString());
        Assert.Equal(1400, eth0.GetProperty("mtu").GetInt32());
    }

    /// <summary>VLANs need CONFIG_BRIDGE_VLAN_FILTERING: where the kernel has it the port carries the VLAN (PVID, untagged).
    /// The other VLAN configs are in <see cref="BridgeVlanBinaryTests"/>.</summary>
    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    [Trait("Kernel", "Second")]
    public void Vlan_is_programmed_where_the_kernel_filters_vlans()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var add = h.Exec("ADD", h.Conf("1.0.0", ""","vlan":42"""), ctr, "vlan");
        Ok(add);
        var hostVeth = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("interfaces")[1].GetProperty("name").GetString()!;
        var vlans = Shell.Run("ip", "netns", "exec", h.Host.Name, "bridge", "-j", "vlan", "show", "dev", hostVeth);
        Assert.Equal($$"""[{"ifname":"{{hostVeth}}","vlans":[{"vlan":42,"flags":["PVID","Egress Untagged"]}]}]""", vlans.Trim());
    }

    /// <summary>Where the kernel lacks CONFIG_BRIDGE_VLAN_FILTERING, ADD fails cleanly, saying why, and leaves nothing behind.</summary>
    [KernelLacksFact(KernelFeature.BridgeVlanFiltering)]
    public void Vlan_is_refused_cleanly_where_the_kernel_cannot_filter_vlans()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var add = h.Exec("ADD", h.Conf("1.0.0", ""","vlan":42"""), ctr, "vlan");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("CONFIG_BRIDGE_VLAN_FILTERING", add.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("veth", h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.DoesNotContain("cnibr0", h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Assert.False(File.Exists(Path.Combine(h.DataDir, "brnet", "10.88.0.2")), "no address may be reserved");
    }

    [Fact]
    public void Layer2_only_brings_the_interface_up_without_addresses()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = """{"cniVersion":"1.0.0","name":"l2net","type":"bridge","bridge":"cnil2"}""";
        var add = h.Exec("ADD", conf, ctr, "l2");
        Ok(add);
        Assert.False(JsonDocument.Parse(add.Stdout).RootElement.TryGetProperty("ips", out _));
        Assert.Contains("UP", ctr.Ip("-br", "link", "show", "eth0"), StringComparison.Ordinal);

        var old = h.Exec("ADD", conf.Replace("1.0.0", "0.2.0", StringComparison.Ordinal), h.Container(), "l2old");
        Assert.Equal(1, old.ExitCode);
        Assert.Contains("cannot convert: no valid IP addresses", old.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Existing_interface_name_in_the_container_is_an_error()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        ctr.Ip("link", "add", "eth0", "type", "bridge");
        var add = h.Exec("ADD", h.Conf("1.0.0"), ctr, "dup");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("already exists", add.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.DataDir, "brnet", "10.88.0.2")));
    }

    [Fact]
    public void Gateway_conflict_needs_force_address()
    {
        using var h = new BridgeHost();
        h.Host.Ip("link", "add", "cnibr0", "type", "bridge");
        h.Host.Ip("addr", "add", "10.99.0.1/24", "dev", "cnibr0");
        var add = h.Exec("ADD", h.Conf("1.0.0", ""","isGateway":true"""), h.Container(), "gw1");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("\\\"cnibr0\\\" already has an IP address different from 10.88.0.1/24", add.Stdout, StringComparison.Ordinal);

        Ok(h.Exec("ADD", h.Conf("1.0.0", ""","isGateway":true,"forceAddress":true"""), h.Container(), "gw2"));
        var addresses = h.Host.Ip("-br", "-4", "addr", "show", "cnibr0");
        Assert.Contains("10.88.0.1/24", addresses, StringComparison.Ordinal);
        Assert.DoesNotContain("10.99.0.1", addresses, StringComparison.Ordinal);
    }
}
