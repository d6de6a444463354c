using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Dhcp.Tests;

/// <summary>
/// Ours and the reference's (Debian's Go v1.1.1) speak the same net/rpc: our plugin works with the Go daemon and the
/// Go plugin with ours, so a node can swap either half first. And a pod network as a runtime drives it, through the
/// reference's Go libcni: macvlan + dhcp, two containers leased by dnsmasq that reach each other.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class DhcpInteropTests : IDisposable
{
    private const string ReferenceDir = "/usr/lib/cni";
    private readonly BinaryHost _bin = new("cni-dhcpx");

    public void Dispose() => _bin.Dispose();

    public static TheoryData<string, string> Pairings => new()
    {
        { "ours", "reference" },
        { "reference", "ours" },
    };

    [Theory]
    [MemberData(nameof(Pairings))]
    public void A_plugin_and_a_daemon_of_different_implementations_lease_and_release(string plugin, string daemon)
    {
        var pluginDir = plugin == "ours" ? Repo.BinDir : ReferenceDir;
        var daemonBinary = daemon == "ours" ? Repo.Binary("dhcp") : Path.Combine(ReferenceDir, "dhcp");
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        using var running = new DhcpDaemon(_bin.Host!, daemonBinary, _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: running.SocketPath).ToJsonString();
        var ctr = _bin.Container();

        var add = _bin.ExecFrom(pluginDir, "macvlan", conf, Environment("ADD", "mixed", ctr.Path, cniPath: pluginDir));
        Ok(add);
        var address = FirstAddress(add.Stdout);
        Assert.Equal(DhcpLan.Router, JsonNode.Parse(add.Stdout)!["ips"]![0]!["gateway"]!.GetValue<string>());
        Assert.Equal(DhcpServerTests.ClientIdHex("mixed/dhcpnet/eth0"), lan.Leases()[address].ClientId);
        Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);

        Ok(_bin.ExecFrom(pluginDir, "macvlan", conf, Environment("DEL", "mixed", ctr.Path, cniPath: pluginDir)));
        DhcpLan.Wait(() => !lan.Leases().ContainsKey(address), TimeSpan.FromSeconds(10), () => "no DHCPRELEASE: " + lan.ServerLog() + running.Log);
    }

    [Fact]
    public void Driven_by_the_go_libcni_two_containers_get_leases_reach_each_other_and_del_releases_both()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var network = lan.MacvlanConf(name: "lan", socketPath: daemon.SocketPath);
        var conflist = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "lan",
            ["plugins"] = new JsonArray(network.Also(n =>
            {
                n.Remove("cniVersion");
                n.Remove("name");
            })),
        }.ToJsonString();
        using var cnitool = new Cnitool(conflist, "lan", _bin.Host, go: true);
        var pods = new[] { _bin.Container("cnidhcpa"), _bin.Container("cnidhcpb") };

        var addresses = pods.Select(pod =>
        {
            var add = cnitool.Run("add", pod);
            Ok(add);
            return FirstAddress(add.Stdout);
        }).ToList();
        Assert.NotEqual(addresses[0], addresses[1]);
        Assert.All(addresses, a => Assert.True(lan.Leases().ContainsKey(a), $"{a} not leased by the server"));
        var ping = Shell.Exec("ip", ["netns", "exec", pods[0].Name, "ping", "-c1", "-W2", addresses[1]], null, null);
        Assert.True(ping.ExitCode == 0, $"{addresses[0]} cannot reach {addresses[1]}: {ping.Stdout}{ping.Stderr}");

        Assert.All(pods, pod => Ok(cnitool.Run("check", pod)));
        Assert.All(pods, pod => Ok(cnitool.Run("del", pod)));
        DhcpLan.Wait(() => lan.Leases().Count == 0, TimeSpan.FromSeconds(10), () => "leases left after DEL: " + lan.ServerLog());
        Assert.All(pods, pod => Assert.DoesNotContain("eth0", pod.Ip("link", "show"), StringComparison.Ordinal));
    }
}
