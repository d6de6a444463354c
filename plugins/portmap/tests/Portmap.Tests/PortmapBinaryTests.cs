using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Portmap.Tests;

/// <summary>bridge + host-local + portmap as a runtime chains them, with real traffic through the mappings.</summary>
[Trait("Tier", "Binary")]
public sealed class PortmapBinaryTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-portmap-ipam");
    private readonly TestNetns _host;
    private readonly TestNetns _ctr;

    public PortmapBinaryTests()
    {
        _host = _bin.Host!;
        _ctr = _bin.Container();
    }

    public void Dispose() => _bin.Dispose();

    private ProcessResult Exec(string plugin, string command, string conf, string containerId = "pm1") =>
        _bin.Exec(plugin, conf, Environment(command, containerId));

    private Dictionary<string, string> Environment(string command, string containerId = "pm1") => BinaryHost.Environment(command, containerId, _ctr.Path);

    private string AddBridge()
    {
        var conf = $$$"""{"cniVersion":"1.0.0","name":"pmnet","type":"bridge","bridge":"cnipm0","isGateway":true,"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"10.66.0.0/24"}]]}}""";
        var add = Exec("bridge", "ADD", conf);
        Ok(add);
        return add.Stdout;
    }

    private static string PortmapConf(string prevResult, string extra = "") =>
        JsonNode.Parse($$$"""{"cniVersion":"1.0.0","name":"pmnet","type":"portmap","capabilities":{"portMappings":true}{{{extra}}},"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}}""")!
            .AsObject().Also(o => o["prevResult"] = JsonNode.Parse(prevResult)).ToJsonString();

    /// <summary>Serves one line on a container port, then fetches it from inside the host netns.</summary>
    private string Fetch(string hostAddress, int hostPort)
    {
        using var server = Shell.StartBackground("ip", "netns", "exec", _ctr.Name, "sh", "-c", "echo hello-from-container | timeout 10 nc -l -p 80 -q 1");
        try
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var reply = Shell.Exec("ip", ["netns", "exec", _host.Name, "timeout", "3", "nc", "-w", "2", hostAddress, hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], "", null);
                if (reply.Stdout.Contains("hello-from-container", StringComparison.Ordinal))
                {
                    return reply.Stdout.Trim();
                }

                Thread.Sleep(100);
            }

            return "";
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }

            server.WaitForExit();
        }
    }

    private string Ruleset() => Shell.Run("ip", "netns", "exec", _host.Name, "nft", "list", "ruleset");

    [Fact]
    public void Nftables_mapping_forwards_localhost_and_host_traffic_and_del_removes_it()
    {
        _host.Ip("link", "set", "lo", "up");
        var prev = AddBridge();
        var conf = PortmapConf(prev);
        var add = Exec("portmap", "ADD", conf);
        Ok(add);
        Assert.Equal(JsonNode.Parse(prev)!["ips"]!.ToJsonString(), JsonNode.Parse(add.Stdout)!["ips"]!.ToJsonString());
        Assert.Contains("tcp dport 8080 dnat to 10.66.0.2:80", Ruleset(), StringComparison.Ordinal);
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", _host.Name, "cat", "/proc/sys/net/ipv4/conf/cnipm0/route_localnet").Trim());

        Assert.Equal("hello-from-container", Fetch("127.0.0.1", 8080));
        Assert.Equal("hello-from-container", Fetch("10.66.0.1", 8080));

        Ok(Exec("portmap", "CHECK", conf));
        Ok(Exec("portmap", "DEL", """{"cniVersion":"1.0.0","name":"pmnet","type":"portmap"}"""));
        Assert.DoesNotContain("dport 8080", Ruleset(), StringComparison.Ordinal);
        Assert.Equal(1, Exec("portmap", "CHECK", conf).ExitCode);
        Ok(Exec("portmap", "DEL", conf));
    }

    [Fact]
    public void Nftables_add_and_del_exec_nothing_on_a_host_without_an_iptables_nat_table()
    {
        var conf = PortmapConf(AddBridge());
        var (add, programs) = _bin.ExecTraced("portmap", conf, Environment("ADD"));
        Ok(add);
        Assert.Equal([Repo.Binary("portmap")], programs);
        Assert.Contains("dport 8080", Ruleset(), StringComparison.Ordinal);

        (var del, programs) = _bin.ExecTraced("portmap", conf, Environment("DEL"));
        Ok(del);
        Assert.Equal([Repo.Binary("portmap")], programs);
        Assert.DoesNotContain("dport 8080", Ruleset(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_fails_when_a_rule_is_removed_behind_our_back()
    {
        var conf = PortmapConf(AddBridge());
        Ok(Exec("portmap", "ADD", conf));
        Shell.Run("ip", "netns", "exec", _host.Name, "nft", "flush", "chain", "ip", "cni_hostport", "hostports");
        var check = Exec("portmap", "CHECK", conf);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("could not check IPv4 dnat", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Iptables_backend_keeps_the_reference_chains_and_forwards()
    {
        _host.Ip("link", "set", "lo", "up");
        var conf = PortmapConf(AddBridge(), ""","backend":"iptables" """);
        Ok(Exec("portmap", "ADD", conf));
        var save = Shell.Run("ip", "netns", "exec", _host.Name, "iptables-save", "-t", "nat");
        Assert.Contains(":CNI-HOSTPORT-DNAT", save, StringComparison.Ordinal);
        Assert.Contains("--to-destination 10.66.0.2:80", save, StringComparison.Ordinal);
        Assert.Contains("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ", save, StringComparison.Ordinal);
        Assert.Equal("hello-from-container", Fetch("127.0.0.1", 8080));
        Ok(Exec("portmap", "CHECK", conf));

        // A second ADD for the same container replaces its jump instead of stacking a duplicate.
        Ok(Exec("portmap", "ADD", conf));
        save = Shell.Run("ip", "netns", "exec", _host.Name, "iptables-save", "-t", "nat");
        Assert.Single(save.Split('\n'), l => l.StartsWith("-A CNI-HOSTPORT-DNAT", StringComparison.Ordinal));

        Ok(Exec("portmap", "DEL", conf));
        save = Shell.Run("ip", "netns", "exec", _host.Name, "iptables-save", "-t", "nat");
        Assert.DoesNotContain("CNI-DN-", save, StringComparison.Ordinal);
        Assert.Contains(":CNI-HOSTPORT-DNAT", save, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_mappings_prev_result_passes_through_and_nothing_is_installed()
    {
        var prev = AddBridge();
        var conf = JsonNode.Parse("""{"cniVersion":"1.0.0","name":"pmnet","type":"portmap"}""")!.AsObject().Also(o => o["prevResult"] = JsonNode.Parse(prev)).ToJsonString();
        var add = Exec("portmap", "ADD", conf);
        Ok(add);
        Assert.Equal(JsonNode.Parse(prev)!.ToJsonString(), JsonNode.Parse(add.Stdout)!.ToJsonString());
        Assert.DoesNotContain("cni_hostport", Ruleset(), StringComparison.Ordinal);
    }
}
