using System.Text.Json;
using CniPlugins.Portmap;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Portmap.Tests;

public class PortmapPluginTests
{
    private const string Mappings = ""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]}""";

    private readonly Mock<IPortForwarder> _forwarder = new();
    private readonly Mock<IPortForwarder> _iptables = new();
    private readonly Mock<IPortmapHost> _host = new();

    private (int Exit, string Output) Run(string command, string extra, string version = "1.0.0")
    {
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"{{version}}","name":"net1","type":"portmap"{{extra}}}""");
        var exit = new LibCni.Skel.PluginHost(new PortmapPlugin(b => b == PortmapBackend.IpTables ? _iptables.Object : _forwarder.Object, _host.Object), "about").Run(env);
        Log = env.StderrWriter.ToString();
        return (exit, env.Output);
    }

    private string Log { get; set; } = "";

    [Fact]
    public void Default_backend_falls_back_to_iptables_when_nftables_fails_and_undoes_the_nftables_part()
    {
        _forwarder.Setup(f => f.Forward(It.IsAny<PortmapRequest>())).Throws(new IOException("add chain ip cni_hostport prerouting: No such file or directory"));
        var (exit, _) = Run("ADD", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(0, exit);
        _forwarder.Verify(f => f.Unforward("net1", "c0ffee"), Times.Once);
        _iptables.Verify(f => f.Forward(It.IsAny<PortmapRequest>()), Times.Once);
        Assert.Contains("portmap: nftables does not work here", Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Neither_backend_working_is_an_error_naming_both()
    {
        _forwarder.Setup(f => f.Forward(It.IsAny<PortmapRequest>())).Throws(new IOException("nft broke"));
        _iptables.Setup(f => f.Forward(It.IsAny<PortmapRequest>())).Throws(new IOException("iptables-restore not found"));
        var (exit, output) = Run("ADD", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(1, exit);
        Assert.Contains("neither nftables nor iptables works", output, StringComparison.Ordinal);
        Assert.Contains("nft broke", output, StringComparison.Ordinal);
        Assert.Contains("iptables-restore not found", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"backend\":\"iptables\"")]
    [InlineData(",\"backend\":\"nftables\"")]
    public void Del_and_gc_clean_both_backends_whatever_the_config_says(string backend)
    {
        Assert.Equal(0, Run("DEL", backend).Exit);
        _forwarder.Verify(f => f.Unforward("net1", "c0ffee"), Times.Once);
        _iptables.Verify(f => f.Unforward("net1", "c0ffee"), Times.Once);
        Assert.Equal(0, Run("GC", backend + ",\"cni.dev/valid-attachments\":[]", version: "1.1.0").Exit);
        _forwarder.Verify(f => f.Gc("net1", It.IsAny<IReadOnlySet<string>>()), Times.Once);
        _iptables.Verify(f => f.Gc("net1", It.IsAny<IReadOnlySet<string>>()), Times.Once);
    }

    [Fact]
    public void Check_finds_the_rules_in_whichever_backend_holds_them()
    {
        _forwarder.Setup(f => f.Check(It.IsAny<PortmapRequest>())).Throws(new CniException(999, "nft: missing rule"));
        Assert.Equal(0, Run("CHECK", Mappings + PortmapConfigTests.Prev).Exit);
        _iptables.Verify(f => f.Check(It.IsAny<PortmapRequest>()), Times.Once);
        _iptables.Setup(f => f.Check(It.IsAny<PortmapRequest>())).Throws(new CniException(999, "iptables: missing chain"));
        var (exit, output) = Run("CHECK", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(1, exit);
        Assert.Contains("nft: missing rule", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_without_prev_result_is_an_error()
    {
        var (exit, output) = Run("ADD", Mappings);
        Assert.Equal(1, exit);
        Assert.Contains("must be called as chained plugin", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_without_mappings_passes_prev_result_through_untouched()
    {
        var (exit, output) = Run("ADD", PortmapConfigTests.Prev);
        Assert.Equal(0, exit);
        Assert.Equal("10.1.0.5/24", JsonDocument.Parse(output).RootElement.GetProperty("ips")[0].GetProperty("address").GetString());
        _forwarder.VerifyNoOtherCalls();
        _host.VerifyNoOtherCalls();
    }

    [Fact]
    public void Add_forwards_flushes_udp_conntrack_and_enables_route_localnet()
    {
        var (exit, output) = Run("ADD", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(0, exit);
        _forwarder.Verify(f => f.Forward(It.Is<PortmapRequest>(r => r.ContainerId == "c0ffee" && r.Config.Mappings.Count == 2)), Times.Once);
        _host.Verify(h => h.FlushUdpConntrack(true, It.Is<IReadOnlyList<int>>(p => p.SequenceEqual(new[] { 5353 }))), Times.Once);
        _host.Verify(h => h.FlushUdpConntrack(false, It.Is<IReadOnlyList<int>>(p => p.SequenceEqual(new[] { 5353 }))), Times.Once);
        _host.Verify(h => h.EnableRouteLocalnet(IpText.Parse("10.1.0.5")), Times.Once);
        Assert.Contains("fd00::5/64", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_localnet_failure_fails_add_and_removes_the_rules()
    {
        _host.Setup(h => h.EnableRouteLocalnet(It.IsAny<System.Net.IPAddress>())).Throws(new IOException("no route"));
        var (exit, output) = Run("ADD", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(1, exit);
        Assert.Contains("unable to enable route_localnet: no route", output, StringComparison.Ordinal);
        _forwarder.Verify(f => f.Unforward("net1", "c0ffee"), Times.Once);
    }

    [Fact]
    public void No_host_route_to_the_container_skips_route_localnet_and_logs_it()
    {
        _host.Setup(h => h.EnableRouteLocalnet(It.IsAny<System.Net.IPAddress>())).Returns(false);
        var env = FakeEnvironment.For("ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"portmap\"" + Mappings + PortmapConfigTests.Prev + "}");
        var exit = new LibCni.Skel.PluginHost(new PortmapPlugin(b => b == PortmapBackend.IpTables ? _iptables.Object : _forwarder.Object, _host.Object), "about").Run(env);
        Assert.Equal(0, exit);
        Assert.Contains("no host route to 10.1.0.5; route_localnet not set", env.StderrWriter.ToString(), StringComparison.Ordinal);
        _forwarder.Verify(f => f.Unforward(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
    }

    [Fact]
    public void Prev_result_of_another_result_family_is_refused_with_code_1()
    {
        var (exit, output) = Run("ADD", Mappings + ""","prevResult":{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24"}}""");
        Assert.Equal(1, exit);
        Assert.Contains("\"code\": 1,", output, StringComparison.Ordinal);
        _forwarder.VerifyNoOtherCalls();
    }

    [Fact]
    public void Conntrack_failure_is_only_logged()
    {
        _host.Setup(h => h.FlushUdpConntrack(It.IsAny<bool>(), It.IsAny<IReadOnlyList<int>>())).Throws(new IOException("EPERM"));
        Assert.Equal(0, Run("ADD", Mappings + PortmapConfigTests.Prev).Exit);
    }

    [Fact]
    public void Snat_false_skips_route_localnet()
    {
        Assert.Equal(0, Run("ADD", Mappings + ""","snat":false""" + PortmapConfigTests.Prev).Exit);
        _host.Verify(h => h.EnableRouteLocalnet(It.IsAny<System.Net.IPAddress>()), Times.Never);
    }

    [Fact]
    public void Del_removes_by_container_even_without_mappings_or_prev_result()
    {
        Assert.Equal(0, Run("DEL", "").Exit);
        _forwarder.Verify(f => f.Unforward("net1", "c0ffee"), Times.Once);
    }

    [Fact]
    public void Check_without_mappings_succeeds_and_with_mappings_asks_the_backend()
    {
        Assert.Equal(0, Run("CHECK", PortmapConfigTests.Prev).Exit);
        _forwarder.VerifyNoOtherCalls();
        _forwarder.Setup(f => f.Check(It.IsAny<PortmapRequest>())).Throws(new CniException(999, "missing rule"));
        _iptables.Setup(f => f.Check(It.IsAny<PortmapRequest>())).Throws(new CniException(999, "no chain"));
        var (exit, output) = Run("CHECK", Mappings + PortmapConfigTests.Prev);
        Assert.Equal(1, exit);
        Assert.Contains("missing rule", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_passes_the_valid_container_ids()
    {
        var env = new FakeEnvironment("""{"cniVersion":"1.1.0","name":"net1","type":"portmap","cni.dev/valid-attachments":[{"containerID":"keep1","ifname":"eth0"}]}""",
            ("CNI_COMMAND", "GC"), ("CNI_PATH", "/opt/cni/bin"));
        Assert.Equal(0, new LibCni.Skel.PluginHost(new PortmapPlugin(b => b == PortmapBackend.IpTables ? _iptables.Object : _forwarder.Object, _host.Object), "about").Run(env));
        _forwarder.Verify(f => f.Gc("net1", It.Is<IReadOnlySet<string>>(s => s.Count == 1 && s.Contains("keep1"))), Times.Once);
    }

    [Fact]
    public void Gc_without_the_valid_list_collects_nothing() =>
        Assert.Null(PortmapPlugin.ValidAttachments("""{"name":"n"}"""u8.ToArray()));
}
