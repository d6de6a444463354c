using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Bandwidth.Tests;

/// <summary>
/// Real traffic: iperf3 between two namespaces on one bridge (bridge + host-local from dist/bin); the client's
/// attachment is chained through bandwidth at 10 Mbit/s each way. Measured rates must sit within ±20 % of the
/// limit, and be more than 3x it once DEL has removed the shaping. Only the test's own addresses are used.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class BandwidthTrafficTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const long LimitBits = 10_000_000;
    private readonly BinaryHost _bin = new("cni-bandwidth-traffic", hostPrefix: null);

    public void Dispose()
    {
        Shell.Run("ip", ["link", "del", "cnibwbr0"], null, null, check: false);
        _bin.Dispose();
    }

    private string BridgeConf() =>
        $$$"""{"cniVersion":"1.0.0","name":"bwtraffic","type":"bridge","bridge":"cnibwbr0","ipam":{"type":"host-local","subnet":"10.77.0.0/24","dataDir":"{{{_bin.DataDir}}}"}}""";

    private static string BandwidthConf(string prevResult) =>
        new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "bwtraffic",
            ["type"] = "bandwidth",
            ["ingressRate"] = LimitBits,
            ["ingressBurst"] = 1_000_000,
            ["egressRate"] = LimitBits,
            ["egressBurst"] = 1_000_000,
            ["prevResult"] = JsonNode.Parse(prevResult),
        }.ToJsonString();

    private static string Address(string result) =>
        JsonDocument.Parse(result).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];

    /// <summary>Bits/s iperf3 received in one bounded 3-second run from the client's netns (-R: server sends).</summary>
    private static double Measure(TestNetns server, TestNetns client, string serverIp, bool reverse)
    {
        using var iperfServer = Shell.StartBackground("timeout", "20", "ip", "netns", "exec", server.Name, "iperf3", "-s", "-1", "-B", serverIp);
        try
        {
            for (var i = 0; i < 50 && !Shell.Run("ip", "netns", "exec", server.Name, "ss", "-ltn").Contains(serverIp + ":5201", StringComparison.Ordinal); i++)
            {
                Thread.Sleep(100);
            }

            string[] args = ["15", "ip", "netns", "exec", client.Name, "iperf3", "-c", serverIp, "-t", "3", "-J", .. reverse ? new[] { "-R" } : []];
            var run = Shell.Run("timeout", args, null, null);
            return JsonDocument.Parse(run.Stdout).RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        }
        finally
        {
            if (!iperfServer.HasExited)
            {
                iperfServer.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Ten_megabits_each_way_is_what_iperf3_measures()
    {
        var server = _bin.Container("cnibwsrv");
        var client = _bin.Container("cnibwcli");
        var serverAdd = _bin.Exec("bridge", BridgeConf(), Environment("ADD", "bwsrv", server.Path));
        Ok(serverAdd);
        var clientAdd = _bin.Exec("bridge", BridgeConf(), Environment("ADD", "bwcli", client.Path));
        Ok(clientAdd);
        var serverIp = Address(serverAdd.Stdout);

        var shaped = _bin.Exec("bandwidth", BandwidthConf(clientAdd.Stdout), Environment("ADD", "bwcli", client.Path));
        Ok(shaped);
        var egress = Measure(server, client, serverIp, reverse: false);
        var ingress = Measure(server, client, serverIp, reverse: true);

        Ok(_bin.Exec("bandwidth", BandwidthConf(clientAdd.Stdout), Environment("DEL", "bwcli", client.Path)));
        var freeEgress = Measure(server, client, serverIp, reverse: false);
        var freeIngress = Measure(server, client, serverIp, reverse: true);

        var report = string.Create(CultureInfo.InvariantCulture, $"egress {egress:F0}, ingress {ingress:F0}, unshaped {freeEgress:F0}/{freeIngress:F0} bit/s");
        output.WriteLine(report);
        Assert.InRange(egress, LimitBits * 0.8, LimitBits * 1.2);
        Assert.InRange(ingress, LimitBits * 0.8, LimitBits * 1.2);
        Assert.True(freeEgress > 3 * LimitBits, report);
        Assert.True(freeIngress > 3 * LimitBits, report);

        Ok(_bin.Exec("bridge", BridgeConf(), Environment("DEL", "bwcli", client.Path)));
        Ok(_bin.Exec("bridge", BridgeConf(), Environment("DEL", "bwsrv", server.Path)));
    }

    /// <summary>
    /// k3s' chain (bridge standing in for flannel's delegate, then portmap, then bandwidth) run by the reference's Go
    /// libcni (go-cnitool), the limits coming as the runtime sends them: CAP_ARGS bandwidth into runtimeConfig.
    /// </summary>
    [Fact]
    public void K3s_style_conflist_shapes_from_cap_args_and_del_leaves_no_qdisc_or_ifb()
    {
        var server = _bin.Container("cnibwsrv");
        var client = _bin.Container("cnibwcli");
        var serverAdd = _bin.Exec("bridge", BridgeConf(), Environment("ADD", "bwsrv", server.Path));
        Ok(serverAdd);
        var serverIp = Address(serverAdd.Stdout);
        var confDir = Path.Combine(_bin.DataDir, "net.d");
        Directory.CreateDirectory(confDir);
        File.WriteAllText(Path.Combine(confDir, "10-k3s.conflist"), $$$"""
            {"cniVersion":"1.0.0","name":"bwtraffic","plugins":[
              {"type":"bridge","bridge":"cnibwbr0","ipam":{"type":"host-local","subnet":"10.77.0.0/24","dataDir":"{{{_bin.DataDir}}}"}},
              {"type":"portmap","capabilities":{"portMappings":true}},
              {"type":"bandwidth","capabilities":{"bandwidth":true}}]}
            """);
        var capArgs = $$"""{"bandwidth":{"ingressRate":{{LimitBits}},"ingressBurst":1000000,"egressRate":{{LimitBits}},"egressBurst":1000000},"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}""";
        ProcessResult Cnitool(string verb) =>
            Shell.Exec(GoCnitool.Binary, [verb, "bwtraffic", client.Path], stdin: null,
                new Dictionary<string, string>
                {
                    ["NETCONFPATH"] = confDir, ["CNI_PATH"] = Repo.BinDir, ["CAP_ARGS"] = capArgs, ["CNI_CACHE_DIR"] = Path.Combine(_bin.DataDir, "cache"),
                }, clearEnvironment: true);

        var before = IfbLinks();
        var add = Cnitool("add");
        Ok(add);
        var ifb = Assert.Single(IfbLinks().Except(before));
        var hostVeth = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("interfaces").EnumerateArray()
            .Select(i => i.GetProperty("name").GetString()!).First(n => n.StartsWith("veth", StringComparison.Ordinal));
        Assert.Contains("\"kind\":\"tbf\"", Shell.Run("tc", "-j", "qdisc", "show", "dev", hostVeth), StringComparison.Ordinal);
        Ok(Cnitool("check"));
        var egress = Measure(server, client, serverIp, reverse: false);
        var ingress = Measure(server, client, serverIp, reverse: true);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conflist: egress {egress:F0}, ingress {ingress:F0} bit/s"));
        Assert.InRange(egress, LimitBits * 0.8, LimitBits * 1.2);
        Assert.InRange(ingress, LimitBits * 0.8, LimitBits * 1.2);

        // portmap and bandwidth DEL run before bridge's: the ifb and the veth's qdiscs are gone with the pod.
        Ok(Cnitool("del"));
        Assert.DoesNotContain(ifb, IfbLinks());
        Assert.NotEqual(0, Shell.Run("tc", ["qdisc", "show", "dev", hostVeth], null, null, check: false).ExitCode);
        Ok(_bin.Exec("bridge", BridgeConf(), Environment("DEL", "bwsrv", server.Path)));
    }

    private static List<string> IfbLinks() =>
        [.. JsonDocument.Parse(Shell.Run("ip", "-j", "link", "show", "type", "ifb")).RootElement.EnumerateArray().Select(l => l.GetProperty("ifname").GetString()!)];
}
