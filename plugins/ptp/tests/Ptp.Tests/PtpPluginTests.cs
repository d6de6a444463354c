using System.Text.Json;
using CniPlugins.Ptp;
using LibCni.Interfaces;
using LibCni.Netfilter.Masquerade;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Ptp.Tests;

/// <summary>ptp's own kernel calls, recorded in the shared fake's call list so one list shows the order of both.</summary>
public sealed class FakePtpKernel(FakeContainerInterfaces links) : IPtpKernel
{
    public void RouteThroughGateway(string netns, string ifName, IReadOnlyList<IpConfig100> ips) =>
        links.Step($"RouteThroughGateway {ifName} {string.Join(",", ips.Select(ip => ip.Address))}");

    public void SetupHostVeth(string hostVeth, IReadOnlyList<IpConfig100> ips) =>
        links.Step($"SetupHostVeth {hostVeth} {string.Join(",", ips.Select(ip => ip.Gateway))}");
}

public class PtpPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";

    private readonly FakeContainerInterfaces _links = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();
    private readonly Mock<IMasquerade> _masq = new();
    private readonly Mock<IMasquerade> _iptMasq = new();

    public PtpPluginTests()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips =
            [
                new IpConfig100 { Address = CidrAddress.Parse("10.244.1.5/24"), Gateway = IpText.Parse("10.244.1.1") },
                new IpConfig100 { Address = CidrAddress.Parse("fd00:10:244:1::5/64"), Gateway = IpText.Parse("fd00:10:244:1::1") },
            ],
            Routes = [new Route { Dst = CidrAddress.Parse("0.0.0.0/0") }],
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string version = "1.0.0", string netns = "/var/run/netns/ctr")
    {
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"{{version}}","name":"kindnet","type":"ptp"{{extra}}}""", netns);
        var plugin = new PtpPlugin(_links, new FakePtpKernel(_links), _ipam.Object, new Masquerading(b => b == MasqueradeBackend.IpTables ? _iptMasq.Object : _masq.Object));
        var exit = new PluginHost(plugin, "about").Run(env);
        Log = env.StderrWriter.ToString();
        var output = env.Output.Length == 0 ? default : JsonDocument.Parse(env.Output).RootElement.Clone();
        return (exit, output);
    }

    private string Log { get; set; } = "";

    [Fact]
    public void Add_makes_the_veth_routes_and_host_side_in_the_references_order_and_reports_interface_1()
    {
        var (exit, output) = Run("ADD", Ipam + ""","mtu":1460""");
        Assert.Equal(0, exit);
        Assert.Equal(
        [
            "EnableForwarding v4", "EnableForwarding v6",
            "CreateVeth /var/run/netns/ctr eth0 mtu=1460 mac=-",
            "Configure eth0",
            "RouteThroughGateway eth0 10.244.1.5/24,fd00:10:244:1::5/64",
            "SetupHostVeth vethfake01 10.244.1.1,fd00:10:244:1::1",
        ], _links.Calls);
        var interfaces = output.GetProperty("interfaces");
        Assert.Equal("vethfake01", interfaces[0].GetProperty("name").GetString());
        Assert.False(interfaces[0].TryGetProperty("sandbox", out _));
        Assert.Equal("eth0", interfaces[1].GetProperty("name").GetString());
        Assert.Equal("/var/run/netns/ctr", interfaces[1].GetProperty("sandbox").GetString());
        Assert.All(output.GetProperty("ips").EnumerateArray(), ip => Assert.Equal(1, ip.GetProperty("interface").GetInt32()));
        Assert.Equal("0.0.0.0/0", output.GetProperty("routes")[0].GetProperty("dst").GetString());
        Assert.Equal(2, _links.Configured!.Ips.Count);
        Assert.Null(_links.Configured.EnableDad);
    }

    [Fact]
    public void Config_dns_replaces_the_ipam_dns()
    {
        var (_, output) = Run("ADD", Ipam + ""","dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}""");
        Assert.Equal("10.96.0.10", output.GetProperty("dns").GetProperty("nameservers")[0].GetString());
    }

    [Theory]
    [InlineData("CreateVeth", new[] { "IPAM DEL" })]
    [InlineData("Configure", new[] { "DeleteHostLink vethfake01", "IPAM DEL" })]
    [InlineData("SetupHostVeth", new[] { "DeleteHostLink vethfake01", "IPAM DEL" })]
    public void A_failed_add_undoes_what_it_made_newest_first(string failOn, string[] undone)
    {
        _links.FailOn = failOn;
        var ipamDel = 0;
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(() => { ipamDel++; _links.Calls.Add("IPAM DEL"); });
        var (exit, error) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Contains($"injected failure at {failOn}", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        var at = _links.Calls.FindIndex(c => c.StartsWith(failOn, StringComparison.Ordinal));
        Assert.Equal(undone, _links.Calls.Skip(at + 1).ToArray());
        Assert.Equal(1, ipamDel);
        Assert.Empty(_links.HostLinks);
    }

    [Fact]
    public void Masquerade_is_set_up_last_with_the_backend_asked_for()
    {
        var (exit, _) = Run("ADD", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        _masq.Verify(m => m.Setup("kindnet", "c0ffee", "eth0", It.Is<IReadOnlyList<CidrAddress>>(a => a.Count == 2)), Times.Once);
        _iptMasq.Verify(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Never);

        (exit, var output) = Run("ADD", Ipam + ""","ipMasqBackend":"iptables","ipMasq":true""");
        Assert.True(exit == 0, output.ToString());
        _iptMasq.Verify(m => m.Setup("kindnet", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
    }

    [Fact]
    public void An_address_without_a_gateway_is_refused_before_anything_is_made()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.1.0.5/24") }],
        });
        var (exit, error) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("IPAM result address 10.1.0.5/24 has no gateway", error.GetProperty("msg").GetString());
        Assert.Empty(_links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void No_addresses_from_ipam_is_the_references_error()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100 { CniVersion = "1.0.0" });
        var (exit, error) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("IPAM plugin returned missing IP config", error.GetProperty("msg").GetString());
    }

    [Fact]
    public void Del_releases_ipam_first_then_the_link_then_masquerade_in_both_backends()
    {
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(() => _links.Calls.Add("IPAM DEL"));
        var (exit, _) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        Assert.Equal(["IPAM DEL", "DeleteLink eth0"], _links.Calls);
        _masq.Verify(m => m.Teardown("kindnet", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        _iptMasq.Verify(m => m.Teardown("kindnet", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
    }

    [Fact]
    public void Del_succeeds_with_the_netns_gone_or_none_given()
    {
        _links.NetnsGone = true;
        Assert.Equal(0, Run("DEL", Ipam + ""","ipMasq":true""").Exit);
        Assert.Equal(0, Run("DEL", Ipam, netns: "").Exit);
        Assert.Single(_links.Calls, c => c == "DeleteLink eth0");
        _masq.Verify(m => m.Teardown("kindnet", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
    }

    [Fact]
    public void Del_reports_the_ipam_error_and_a_repeated_del_finishes()
    {
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(5, "disk full"));
        var (exit, error) = Run("DEL", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("disk full", error.GetProperty("msg").GetString());

        // The veth went meanwhile; the runtime's retry finds it gone and releases the address.
        _ipam.Reset();
        (exit, _) = Run("DEL", Ipam);
        Assert.Equal(0, exit);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Del_runs_ipam_del_and_the_masquerade_teardown_while_the_veth_is_being_deleted()
    {
        using var ipamCalled = new ManualResetEventSlim();
        using var masqCalled = new ManualResetEventSlim();
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(ipamCalled.Set);
        _masq.Setup(m => m.Teardown(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>())).Callback(masqCalled.Set);
        var during = false;
        _links.WhileDeletingLink = () => during = ipamCalled.Wait(TimeSpan.FromSeconds(10)) && masqCalled.Wait(TimeSpan.FromSeconds(10));
        var (exit, _) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        Assert.True(during, "IPAM DEL and the masquerade teardown must be under way while the container link is deleted");
    }

    [Fact]
    public void Gc_forwards_to_ipam_and_collects_masquerade_rules_of_stale_attachments()
    {
        var (exit, _) = Run("GC", Ipam + ""","ipMasq":true,"cni.dev/valid-attachments":[{"containerID":"live","ifname":"eth0"}]""", "1.1.0");
        Assert.Equal(0, exit);
        _ipam.Verify(i => i.Gc("host-local", It.IsAny<CmdArgs>()), Times.Once);
        _masq.Verify(m => m.Gc("kindnet", It.Is<IReadOnlyCollection<(string, string)>>(v => v.Count == 1 && v.First().Item1 == "live" && v.First().Item2 == "eth0")), Times.Once);
        _iptMasq.Verify(m => m.Gc("kindnet", It.IsAny<IReadOnlyCollection<(string, string)>>()), Times.Once);
    }

    private static string Prev => """
        ,"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"veth1","mac":"02:00:00:00:00:11"},{"name":"eth0","mac":"02:00:00:00:00:02","sandbox":"/var/run/netns/ctr"}],
        "ips":[{"address":"10.244.1.5/24","gateway":"10.244.1.1","interface":1}],"routes":[{"dst":"0.0.0.0/0"}]}
        """;

    private void Healthy() => _links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", "veth", 11,
        [CidrAddress.Parse("10.244.1.5/24")],
        [new RouteView(CidrAddress.Parse("10.244.1.0/24"), IpText.Parse("10.244.1.1"), 2), new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("10.244.1.1"), 2)]);

    [Fact]
    public void Check_passes_on_a_healthy_attachment_and_names_what_broke()
    {
        Healthy();
        Assert.Equal(0, Run("CHECK", Ipam + Prev).Exit);
        _ipam.Verify(i => i.Check("host-local", It.IsAny<CmdArgs>()), Times.Once);

        _links.ContainerState = _links.ContainerState! with { Kind = "macvlan" };
        Assert.Equal("Error: Container interface eth0 not of type veth/p2p", Run("CHECK", Ipam + Prev).Output.GetProperty("msg").GetString());
        Healthy();
        _links.ContainerState = _links.ContainerState! with { Mac = "02:00:00:00:00:99" };
        Assert.Equal("ptp: Interface eth0 Mac 02:00:00:00:00:02 doesn't match container Mac: 02:00:00:00:00:99", Run("CHECK", Ipam + Prev).Output.GetProperty("msg").GetString());
        Healthy();
        _links.ContainerState = _links.ContainerState! with { Routes = [_links.ContainerState.Routes[0]] };
        Assert.Equal("Expected Route 0.0.0.0/0 not found in routing table", Run("CHECK", Ipam + Prev).Output.GetProperty("msg").GetString());
        _links.ContainerState = null;
        Assert.Equal("ptp: Container Interface name in prevResult: eth0 not found", Run("CHECK", Ipam + Prev).Output.GetProperty("msg").GetString());
        Assert.Equal("Sandbox in prevResult  doesn't match configured netns: /var/run/netns/other", Run("CHECK", Ipam + Prev, netns: "/var/run/netns/other").Output.GetProperty("msg").GetString());
        Assert.Equal("ptp: Required prevResult missing", Run("CHECK", Ipam).Output.GetProperty("msg").GetString());
    }

    [Fact]
    public void Routes_are_the_references_point_to_point_layout()
    {
        var ip = new IpConfig100 { Address = CidrAddress.Parse("10.244.1.5/24"), Gateway = IpText.Parse("10.244.1.1") };
        var (connected, toGateway, toSubnet) = PtpRoutes.Container(ip, 2);
        Assert.Equal("10.244.1.0/24", connected.Destination.ToString());
        Assert.Null(connected.Scope);
        Assert.Equal("10.244.1.1/32", toGateway.Destination.ToString());
        Assert.Equal(Rta.ScopeLink, toGateway.Scope);
        Assert.Equal("10.244.1.5", toGateway.Source!.ToString());
        Assert.Equal("10.244.1.0/24", toSubnet.Destination.ToString());
        Assert.Equal("10.244.1.1", toSubnet.Gateway!.ToString());
        var (gatewayAddress, toContainer) = PtpRoutes.Host(new IpConfig100 { Address = CidrAddress.Parse("fd00::5/64"), Gateway = IpText.Parse("fd00::1") }, 7);
        Assert.Equal("fd00::1/128", gatewayAddress.ToString());
        Assert.Equal("fd00::5/128", toContainer.Destination.ToString());
        Assert.Equal(Rta.ScopeHost, toContainer.Scope);
        Assert.Equal(7, toContainer.OutputIndex);
    }
}
