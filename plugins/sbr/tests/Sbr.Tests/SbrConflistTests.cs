using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Sbr.Tests;

/// <summary>
/// A pod as Multus makes one, through the reference's Go libcni (go-cnitool): eth0 from a bridge conflist, net1 a
/// macvlan of the node's LAN with sbr chained after it. A client on another subnet behind the LAN's router (strict
/// reverse-path filter) reaches net1's address only when the replies leave through net1's gateway.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class SbrConflistTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-sbrlist");
    private readonly TestNetns _router;
    private readonly TestNetns _client;

    public SbrConflistTests()
    {
        _bin.AddMaster("cnisbm0", "cnisbp0");
        _router = _bin.Container("cnisbrt");
        _client = _bin.Container("cnisbcl");
        _bin.Host!.Ip("link", "set", "cnisbp0", "netns", _router.Name);
        _router.Ip("addr", "add", "10.78.0.1/24", "dev", "cnisbp0");
        _router.Ip("link", "set", "cnisbp0", "up");
        Shell.Run("ip", "-n", _client.Name, "link", "add", "eth0", "type", "veth", "peer", "name", "cl", "netns", _router.Name);
        _client.Ip("addr", "add", "198.51.100.2/24", "dev", "eth0");
        _client.Ip("link", "set", "eth0", "up");
        _client.Ip("route", "add", "default", "via", "198.51.100.1");
        _router.Ip("addr", "add", "198.51.100.1/24", "dev", "cl");
        _router.Ip("link", "set", "cl", "up");
        Shell.Run("ip", "netns", "exec", _router.Name, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1");
    }

    public void Dispose() => _bin.Dispose();

    private string Pods => $$$"""
        {"cniVersion":"1.0.0","name":"pods","plugins":[
          {"type":"bridge","bridge":"cnisbbr0","isGateway":true,"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"10.79.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}}]}
        """;

    private static string Lan(string name, bool sbr) => $$$"""
        {"cniVersion":"1.0.0","name":"{{{name}}}","plugins":[
          {"type":"macvlan","master":"cnisbm0","mode":"bridge","ipam":{"type":"static","addresses":[{"address":"10.78.0.20/24","gateway":"10.78.0.1"}]}}{{{(sbr ? ",{\"type\":\"sbr\"}" : "")}}}]}
        """;

    private bool ClientReachesNet1() =>
        Shell.Exec("ip", ["netns", "exec", _client.Name, "ping", "-c1", "-W1", "10.78.0.20"], null, null).ExitCode == 0;

    [Fact]
    public void Net1_answers_through_its_own_gateway_with_sbr_and_del_removes_rule_and_table()
    {
        using var pods = new Cnitool(Pods, "pods", _bin.Host, go: true);
        using var plain = new Cnitool(Lan("lan-plain", sbr: false), "lan-plain", _bin.Host, go: true);
        using var lan = new Cnitool(Lan("lan", sbr: true), "lan", _bin.Host, go: true);
        var pod = _bin.Container("cnisbpod");
        Ok(pods.Run("add", pod));

        // Without sbr the reply to the client leaves by eth0 (the default route) and never comes back.
        Ok(plain.Run("add", pod, ifName: "net1"));
        Assert.False(ClientReachesNet1());
        Ok(plain.Run("del", pod, ifName: "net1"));

        Ok(lan.Run("add", pod, ifName: "net1"));
        var route = JsonNode.Parse(pod.Ip("-j", "route", "get", "198.51.100.2", "from", "10.78.0.20"))![0]!;
        Assert.Equal(("net1", "10.78.0.1"), (route["dev"]!.GetValue<string>(), route["gateway"]!.GetValue<string>()));
        Assert.Equal("eth0", JsonNode.Parse(pod.Ip("-j", "route", "get", "198.51.100.2"))![0]!["dev"]!.GetValue<string>());
        Assert.True(ClientReachesNet1());
        Ok(lan.Run("check", pod, ifName: "net1"));
        Ok(pods.Run("check", pod));

        Ok(lan.Run("del", pod, ifName: "net1"));
        Assert.DoesNotContain("lookup 100", pod.Ip("rule"), StringComparison.Ordinal);
        Assert.Equal("", pod.Ip("route", "show", "table", "100").Trim());
        Assert.Throws<InvalidOperationException>(() => pod.Ip("link", "show", "net1"));
        Ok(pods.Run("del", pod));
    }
}
