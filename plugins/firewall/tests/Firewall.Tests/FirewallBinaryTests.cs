using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Firewall.Tests;

/// <summary>
/// dist/bin/bridge + dist/bin/firewall as a runtime chains them: two networks on two bridges of one host,
/// traffic between them before and after ingressPolicy same-bridge, then DEL.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class FirewallBinaryTests : IDisposable
{
    private const string NoBus = "unix:path=/nonexistent/cni-test-bus";
    private readonly BinaryHost _bin = new("cni-firewall-ipam", "cnifwh");
    private readonly TestNetns _c1;
    private readonly TestNetns _c2;
    private readonly TestNetns _c3;

    public FirewallBinaryTests()
    {
        (_c1, _c2, _c3) = (_bin.Container("cnifw1"), _bin.Container("cnifw2"), _bin.Container("cnifw3"));
    }

    public void Dispose() => _bin.Dispose();

    /// <summary>The CNI_* variables, and a system bus that is not there unless a test gives one.</summary>
    internal static Dictionary<string, string> Environment(TestNetns ctr, string command, string containerId, string bus = NoBus) =>
        new(BinaryHost.Environment(command, containerId, ctr.Path)) { ["DBUS_SYSTEM_BUS_ADDRESS"] = bus };

    private ProcessResult Exec(TestNetns ctr, string plugin, string command, string conf, string containerId) =>
        _bin.Exec(plugin, conf, Environment(ctr, command, containerId));

    private string BridgeConf(string network, string bridge, string subnet) =>
        $$$"""{"cniVersion":"1.0.0","name":"{{{network}}}","type":"bridge","bridge":"{{{bridge}}}","isGateway":true,"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]],"routes":[{"dst":"0.0.0.0/0"}]}}""";

    internal static string FirewallConf(string network, string prevResult, string extra) =>
        JsonNode.Parse($$$"""{"cniVersion":"1.0.0","name":"{{{network}}}","type":"firewall"{{{extra}}}}""")!.AsObject()
            .Also(o => o["prevResult"] = JsonNode.Parse(prevResult)).ToJsonString();

    private static string Address(string result) => JsonNode.Parse(result)!["ips"]![0]!["address"]!.GetValue<string>().Split('/')[0];

    private static bool Ping(TestNetns from, string to) =>
        Shell.Exec("ip", ["netns", "exec", from.Name, "ping", "-c", "1", "-W", "1", to], "", null).ExitCode == 0;

    [Theory]
    [InlineData("nftables")]
    [InlineData("iptables")]
    public void Same_bridge_blocks_other_bridges_and_keeps_the_same_bridge_open(string backend)
    {
        Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        var a = BridgeConf("fwa", "cnifwa0", "10.71.0.0/24");
        var b = BridgeConf("fwb", "cnifwb0", "10.72.0.0/24");
        var r1 = Exec(_c1, "bridge", "ADD", a, "c1");
        var r2 = Exec(_c2, "bridge", "ADD", a, "c2");
        var r3 = Exec(_c3, "bridge", "ADD", b, "c3");
        Ok(r1);
        Ok(r2);
        Ok(r3);
        var (ip1, ip2) = (Address(r1.Stdout), Address(r2.Stdout));
        Assert.True(Ping(_c3, ip1), "before the firewall plugin, the other bridge reaches c1");

        var policy = $",\"backend\":\"{backend}\",\"ingressPolicy\":\"same-bridge\"";
        foreach (var (ctr, id, network, result) in new[] { (_c1, "c1", "fwa", r1), (_c2, "c2", "fwa", r2), (_c3, "c3", "fwb", r3) })
        {
            var add = Exec(ctr, "firewall", "ADD", FirewallConf(network, result.Stdout, policy), id);
            Ok(add);
            Assert.Equal(JsonNode.Parse(result.Stdout)!.ToJsonString(), JsonNode.Parse(add.Stdout)!.ToJsonString());
            Ok(Exec(ctr, "firewall", "CHECK", FirewallConf(network, result.Stdout, policy), id));
        }

        Assert.True(Ping(_c1, ip2), "same bridge: c1 reaches c2");
        Assert.False(Ping(_c3, ip1), "same-bridge policy: the other bridge must not reach c1");
        Assert.False(Ping(_c1, Address(r3.Stdout)), "same-bridge policy: c1 must not reach the other bridge either");

        var rules = backend == "nftables"
            ? Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "nft", "list", "table", "inet", "cni_firewall")
            : Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "iptables-save", "-t", "filter");
        Assert.Contains(ip1, rules, StringComparison.Ordinal);

        // DEL without prevResult removes the tagged nftables rules; with it, the iptables ones too. Twice is fine.
        foreach (var (ctr, id, network, result) in new[] { (_c1, "c1", "fwa", r1), (_c2, "c2", "fwa", r2), (_c3, "c3", "fwb", r3) })
        {
            var del = backend == "nftables" ? $$"""{"cniVersion":"1.0.0","name":"{{network}}","type":"firewall"}""" : FirewallConf(network, result.Stdout, policy);
            Ok(Exec(ctr, "firewall", "DEL", del, id));
            Ok(Exec(ctr, "firewall", "DEL", del, id));
        }

        rules = backend == "nftables"
            ? Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "nft", "list", "table", "inet", "cni_firewall")
            : Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "iptables-save", "-t", "filter");
        Assert.DoesNotContain(ip1, rules, StringComparison.Ordinal);
        Assert.DoesNotContain(ip2, rules, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_without_prevResult_is_a_spec_error_and_changes_nothing()
    {
        var r = Exec(_c1, "firewall", "ADD", """{"cniVersion":"1.0.0","name":"fwa","type":"firewall","backend":"nftables"}""", "c1");
        Assert.Equal(1, r.ExitCode);
        var error = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("missing prevResult from earlier plugin", error["msg"]!.GetValue<string>());
        Assert.Equal(7, error["code"]!.GetValue<int>());
        Assert.Equal("", Shell.Run("ip", "netns", "exec", _bin.Host!.Name, "nft", "list", "ruleset"));
    }

    [Fact]
    public void Nftables_add_execs_nothing()
    {
        var conf = FirewallConf("fwa", """{"cniVersion":"1.0.0","interfaces":[{"name":"cnifwa0"}],"ips":[{"address":"10.71.0.9/24","interface":0}]}""",
            ",\"backend\":\"nftables\",\"ingressPolicy\":\"same-bridge\"");
        var (add, programs) = _bin.ExecTraced("firewall", conf, Environment(_c1, "ADD", "c1"));
        Ok(add);
        Assert.Equal([Repo.Binary("firewall")], programs);
    }
}

/// <summary>dist/bin/firewall against Debian's firewalld on a private bus: ADD over D-Bus, no exec.</summary>
[Trait("Tier", "Binary")]
public sealed class FirewallBinaryFirewalldTests(PrivateFirewalld firewalld) : IClassFixture<PrivateFirewalld>, IDisposable
{
    private readonly BinaryHost _bin = new("cni-firewall-strace", "cnifwh");

    public void Dispose() => _bin.Dispose();

    [Theory]
    [InlineData("firewalld", "10.73.0.5")]
    [InlineData("", "10.73.0.6")]
    public void Firewalld_add_goes_over_dbus_and_execs_nothing(string backend, string address)
    {
        var ctr = _bin.Container("cnifwc");
        var conf = FirewallBinaryTests.FirewallConf("fwd", $$"""{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"}],"ips":[{"address":"{{address}}/24","interface":0}]}""",
            $",\"backend\":\"{backend}\"");
        Dictionary<string, string> Environment(string command) => FirewallBinaryTests.Environment(ctr, command, "c1", firewalld.Address);
        ProcessResult Exec(string command) => _bin.Exec("firewall", conf, Environment(command));

        var (add, programs) = _bin.ExecTraced("firewall", conf, Environment("ADD"));
        Ok(add);
        Assert.Equal([Repo.Binary("firewall")], programs);
        Assert.Contains($"ip saddr {address} goto filter_FWD_trusted", firewalld.Ruleset(), StringComparison.Ordinal);
        Ok(Exec("CHECK"));
        Ok(Exec("DEL"));
        Assert.DoesNotContain(address, firewalld.Ruleset(), StringComparison.Ordinal);
    }
}
