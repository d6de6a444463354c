using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Tuning.Tests;

/// <summary>The published AOT binary exec'd as a runtime execs it, alone on a veth and chained after bridge.</summary>
[Trait("Tier", "Binary")]
public sealed class TuningBinaryTests : IDisposable
{
    // The plugin runs in the test's own netns (the private host); only the container has one of its own.
    private readonly BinaryHost _bin = new("cni-tuning-bin", hostPrefix: null);
    private readonly TestNetns _ctr;
    private readonly string _data;

    public TuningBinaryTests()
    {
        (_ctr, _data) = (_bin.Container(), _bin.DataDir);
        _ctr.Ip("link", "add", "eth0", "address", "0a:58:0a:01:00:05", "type", "veth", "peer", "name", "peer0"); // this kernel may lack dummy
    }

    public void Dispose() => _bin.Dispose();

    private Dictionary<string, string> Env(string command, string ifName = "eth0", string cniArgs = "") =>
        BinaryHost.Environment(command, "tun1", _ctr.Path, ifName, cniArgs);

    private ProcessResult Exec(string command, string conf, string plugin = "tuning", string cniArgs = "") =>
        _bin.Exec(plugin, conf, Env(command, cniArgs: cniArgs));

    private string Conf(string version, string extra, bool prev = true)
    {
        var ips = version is "0.3.0" or "0.3.1" or "0.4.0" ? """{"version":"4","address":"10.1.0.5/24","interface":0}""" : """{"address":"10.1.0.5/24","interface":0}""";
        var prevResult = prev ? $$$""","prevResult":{"cniVersion":"{{{version}}}","interfaces":[{"name":"eth0","mac":"0a:58:0a:01:00:05","sandbox":"{{{_ctr.Path}}}"}],"ips":[{{{ips}}}]}""" : "";
        return $$$"""{"cniVersion":"{{{version}}}","name":"tunnet","type":"tuning","dataDir":"{{{_data}}}"{{{extra}}}{{{prevResult}}}}""";
    }

    private JsonElement Link() => JsonDocument.Parse(_ctr.Ip("-j", "-d", "link", "show", "dev", "eth0")).RootElement[0];

    private string Sysctl(string path) => Shell.Run("ip", "netns", "exec", _ctr.Name, "cat", "/proc/sys/" + path).Trim();

    public static TheoryData<string> ChainedVersions => new("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    [Theory]
    [MemberData(nameof(ChainedVersions))]
    public void Add_check_del_for_every_chained_spec_version(string version)
    {
        const string extra = ""","sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1"},"mac":"c2:11:22:33:44:55","mtu":1400,"txQLen":50""";
        var add = Exec("ADD", Conf(version, extra));
        Ok(add);
        var result = JsonDocument.Parse(add.Stdout).RootElement;
        Assert.Equal(version, result.GetProperty("cniVersion").GetString());
        Assert.Equal("c2:11:22:33:44:55", result.GetProperty("interfaces")[0].GetProperty("mac").GetString());
        Assert.Equal("10.1.0.5/24", result.GetProperty("ips")[0].GetProperty("address").GetString());
        Assert.Equal("1", Sysctl("net/ipv4/conf/eth0/arp_filter"));
        Assert.Equal("c2:11:22:33:44:55", Link().GetProperty("address").GetString());
        Assert.True(File.Exists(Path.Combine(_data, "tun1_eth0.json")));

        if (SpecVersionData.HasCheck(version))
        {
            var check = Exec("CHECK", Conf(version, extra));
            Ok(check);
            Assert.Equal("", check.Stdout);
        }

        var del = Exec("DEL", Conf(version, extra, prev: false));
        Ok(del);
        Assert.Equal("", del.Stdout);
        Assert.Equal("0a:58:0a:01:00:05", Link().GetProperty("address").GetString());
        Assert.Equal(1500, Link().GetProperty("mtu").GetInt32());
        Assert.Equal(1000, Link().GetProperty("txqlen").GetInt32());
        Assert.Empty(Directory.GetFiles(_data));
        Ok(Exec("DEL", Conf(version, extra, prev: false)));
    }

    [Fact]
    public void Mac_from_cni_args_and_bad_cni_args()
    {
        Ok(Exec("ADD", Conf("1.0.0", ""), cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=web;MAC=c2:11:22:33:44:66"));
        Assert.Equal("c2:11:22:33:44:66", Link().GetProperty("address").GetString());

        var bad = Exec("ADD", Conf("1.0.0", ""), cniArgs: "K8S_POD_NAME=web");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal(4, JsonDocument.Parse(bad.Stdout).RootElement.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("kernel.hostname")]
    [InlineData("net/../../../etc/hostname")]
    [InlineData("net.ipv4..ip_forward")]
    public void A_bad_sysctl_key_is_an_error_json_with_code_7_and_nothing_changes(string key)
    {
        var add = Exec("ADD", Conf("1.0.0", $$""","mtu":1400,"sysctl":{"net.core.somaxconn":"321",{{JsonSerializer.Serialize(key)}}:"x"}"""));
        Assert.Equal(1, add.ExitCode);
        var error = JsonDocument.Parse(add.Stdout).RootElement;
        Assert.Equal(7, error.GetProperty("code").GetInt32());
        Assert.Contains(key, error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal("", add.Stderr);
        Assert.Equal("4096", Sysctl("net/core/somaxconn"));
        Assert.Equal(1500, Link().GetProperty("mtu").GetInt32());
        Assert.Empty(Directory.GetFiles(_data));
    }

    [Fact]
    public void Without_prev_result_add_fails_with_the_reference_message()
    {
        var add = Exec("ADD", Conf("1.0.0", ""","mtu":1400""", prev: false));
        Assert.Equal(1, add.ExitCode);
        Assert.Equal("Required prevResult missing", JsonDocument.Parse(add.Stdout).RootElement.GetProperty("msg").GetString());
    }

    /// <summary>
    /// The allowlist lives at a fixed path, so the plugin runs in its own mount namespace with a tmpfs over
    /// /etc/cni: the machine's /etc is never written.
    /// </summary>
    private ProcessResult ExecWithAllowlist(string allowlist, string conf)
    {
        Assert.True(Directory.Exists("/etc/cni"), "/etc/cni must exist (Debian's podman or containernetworking-plugins creates it)");
        var script = "mount -t tmpfs cni-test /etc/cni && mkdir /etc/cni/tuning && printf '%s' \"$ALLOWLIST\" > /etc/cni/tuning/allowlist.conf && exec \"$0\"";
        var env = Env("ADD");
        env["ALLOWLIST"] = allowlist;
        return Shell.Exec("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, Repo.Binary("tuning")], conf, env, clearEnvironment: true);
    }

    [Fact]
    public void The_allowlist_file_is_honoured()
    {
        const string allowlist = "^net\\.core\\.somaxconn$\n  ^net\\.ipv4\\.conf\\.IFNAME\\.arp_filter$  \n";
        var refused = ExecWithAllowlist(allowlist, Conf("1.0.0", ""","sysctl":{"net.core.somaxconn":"321","net.ipv4.conf.all.log_martians":"1"}"""));
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("Sysctl net.ipv4.conf.all.log_martians is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$ ^net\\.ipv4\\.conf\\.IFNAME\\.arp_filter$]",
            JsonDocument.Parse(refused.Stdout).RootElement.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal("4096", Sysctl("net/core/somaxconn"));

        Ok(ExecWithAllowlist(allowlist, Conf("1.0.0", ""","sysctl":{"net.core.somaxconn":"321","net.ipv4.conf.IFNAME.arp_filter":"1"}""")));
        Assert.Equal("321", Sysctl("net/core/somaxconn"));
        Assert.Equal("1", Sysctl("net/ipv4/conf/eth0/arp_filter"));
    }

    [Fact]
    public void Chained_after_bridge_the_new_mac_reaches_the_result_and_traffic_flows()
    {
        using var host = new BinaryHost("cni-tuning-ipam");
        var bridgeConf = $$$"""{"cniVersion":"1.0.0","name":"tunnet","type":"bridge","bridge":"cnitun0","isGateway":true,"ipam":{"type":"host-local","dataDir":"{{{host.DataDir}}}","ranges":[[{"subnet":"10.67.0.0/24"}]]}}""";
        ProcessResult InHost(string plugin, string command, string conf) => host.Exec(plugin, conf, Env(command, "net1"));

        var bridgeAdd = InHost("bridge", "ADD", bridgeConf);
        Ok(bridgeAdd);
        var tuningConf = JsonNode.Parse($$$"""{"cniVersion":"1.0.0","name":"tunnet","type":"tuning","dataDir":"{{{_data}}}","mtu":1300,"runtimeConfig":{"mac":"c2:11:22:33:44:77"},"sysctl":{"net.ipv4.conf.IFNAME.rp_filter":"2"}}""")!.AsObject();
        tuningConf["prevResult"] = JsonNode.Parse(bridgeAdd.Stdout);
        var add = InHost("tuning", "ADD", tuningConf.ToJsonString());
        Ok(add);
        var result = JsonDocument.Parse(add.Stdout).RootElement;
        var ifaces = result.GetProperty("interfaces").EnumerateArray().ToList();
        Assert.Equal("c2:11:22:33:44:77", ifaces.Single(i => i.GetProperty("name").GetString() == "net1").GetProperty("mac").GetString());
        Assert.NotEqual("c2:11:22:33:44:77", ifaces.First(i => i.GetProperty("name").GetString() == "cnitun0").GetProperty("mac").GetString());
        Assert.Equal("2", Sysctl("net/ipv4/conf/net1/rp_filter"));
        Shell.Run("ip", "netns", "exec", host.Host!.Name, "ping", "-c", "1", "-W", "5", "10.67.0.2");
        Ok(InHost("tuning", "CHECK", tuningConf.ToJsonString()));

        tuningConf.Remove("prevResult");
        Ok(InHost("tuning", "DEL", tuningConf.ToJsonString()));
        Ok(InHost("bridge", "DEL", bridgeConf));
        Assert.Empty(Directory.GetFiles(_data));
    }

    [Theory]
    [InlineData("/usr/lib/cni/tuning", "ours")]
    [InlineData("ours", "/usr/lib/cni/tuning")]
    public void Saved_state_is_shared_with_the_reference_in_both_directions(string adder, string deleter)
    {
        string Bin(string which) => which == "ours" ? Repo.Binary("tuning") : which;
        const string extra = ""","mac":"c2:11:22:33:44:55","mtu":1400,"promisc":true""";
        Ok(Shell.Exec(Bin(adder), [], Conf("0.4.0", extra), Env("ADD"), clearEnvironment: true));
        Assert.Equal("c2:11:22:33:44:55", Link().GetProperty("address").GetString());
        Assert.True(File.Exists(Path.Combine(_data, "tun1_eth0.json")));

        Ok(Shell.Exec(Bin(deleter), [], Conf("0.4.0", extra, prev: false), Env("DEL"), clearEnvironment: true));
        var link = Link();
        Assert.Equal("0a:58:0a:01:00:05", link.GetProperty("address").GetString());
        Assert.Equal(1500, link.GetProperty("mtu").GetInt32());
        Assert.Equal(0, link.GetProperty("promiscuity").GetInt32());
        Assert.Empty(Directory.GetFiles(_data));
    }

    [Fact]
    public void Add_execs_nothing()
    {
        var (add, programs) = _bin.ExecTraced("tuning", Conf("1.0.0", ""","sysctl":{"net.core.somaxconn":"321"},"mac":"c2:11:22:33:44:55","mtu":1400"""), Env("ADD"));
        Ok(add);
        Assert.Equal([Repo.Binary("tuning")], programs);
    }

    [Fact]
    public void Version_and_about()
    {
        PrivateHost.Require();
        var version = Shell.Exec(Repo.Binary("tuning"), [], "", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, clearEnvironment: true);
        Assert.Equal(0, version.ExitCode);
        Assert.Equal("""{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}""" + "\n", version.Stdout);
        var about = Shell.Exec(Repo.Binary("tuning"), [], "", null, clearEnvironment: true);
        Assert.StartsWith("CNI tuning plugin v", about.Stderr, StringComparison.Ordinal);
    }
}
