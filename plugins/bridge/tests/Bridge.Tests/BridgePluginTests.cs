using LibCni.Netfilter;
using LibCni.Interfaces;
using LibCni.Netfilter.Masquerade;
using System.Text.Json;
using CniPlugins.Bridge;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;
using NftMasquerade = LibCni.Netfilter.Masquerade.NftMasquerade;

namespace Bridge.Tests;

public class BridgePluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local","subnet":"10.1.0.0/24"}""";

    private readonly FakeBridgeKernel _kernel = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();
    private readonly Mock<IMasquerade> _masq = new();
    private readonly Mock<IMasquerade> _iptMasq = new();
    private readonly Mock<ISpoofCheck> _spoof = new();

    public BridgePluginTests()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.1.0.2/24"), Gateway = IpText.Parse("10.1.0.1") }],
            Dns = new Dns { Nameservers = ["10.1.0.53"] },
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string version = "1.0.0")
    {
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"{{version}}","name":"net1","type":"bridge","bridge":"br9"{{extra}}}""");
        var plugin = new BridgePlugin(_kernel, _kernel.Links, _ipam.Object, new Masquerading(b => b == MasqueradeBackend.IpTables ? _iptMasq.Object : _masq.Object), _spoof.Object);
        var exit = new PluginHost(plugin, "about").Run(env);
        Log = env.StderrWriter.ToString();
        var output = env.Output.Length == 0 ? default : JsonDocument.Parse(env.Output).RootElement.Clone();
        return (exit, output);
    }

    private string Log { get; set; } = "";

    [Fact]
    public void Masquerade_defaults_to_nftables_and_falls_back_to_iptables_with_a_log_line()
    {
        _masq.Setup(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>()))
            .Throws(new IOException("add chain inet cni_plugins_masquerade postrouting: No such file or directory"));
        var (exit, _) = Run("ADD", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        _iptMasq.Verify(m => m.Setup("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        Assert.Contains("bridge ipMasq: nftables does not work here", Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Masquerade_where_neither_backend_works_names_both_and_undoes_the_add()
    {
        _masq.Setup(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>())).Throws(new IOException("nft broke"));
        _iptMasq.Setup(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>())).Throws(new IOException("iptables-restore not found"));
        var (exit, error) = Run("ADD", Ipam + ""","ipMasq":true""");
        Assert.Equal(1, exit);
        Assert.Contains("neither nftables nor iptables", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Contains("nft broke", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Contains("iptables-restore not found", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Explicit_backend_gets_no_fallback()
    {
        _iptMasq.Setup(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>())).Throws(new IOException("iptables-restore not found"));
        Assert.Equal(1, Run("ADD", Ipam + ""","ipMasq":true,"ipMasqBackend":"iptables" """).Exit);
        _masq.Verify(m => m.Setup(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Never);
    }

    [Theory]
    [InlineData("")]
    [InlineData(""","ipMasqBackend":"nftables" """)]
    [InlineData(""","ipMasqBackend":"iptables" """)]
    public void Del_and_gc_clean_both_backends_whatever_the_config_says(string backend)
    {
        Assert.Equal(0, Run("DEL", Ipam + ""","ipMasq":true""" + backend).Exit);
        _masq.Verify(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        _iptMasq.Verify(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        Assert.Equal(0, Run("GC", Ipam + ""","ipMasq":true,"cni.dev/valid-attachments":[]""" + backend, version: "1.1.0").Exit);
        _masq.Verify(m => m.Gc("net1", It.IsAny<IReadOnlyCollection<(string, string)>>()), Times.Once);
        _iptMasq.Verify(m => m.Gc("net1", It.IsAny<IReadOnlyCollection<(string, string)>>()), Times.Once);
    }

    [Fact]
    public void Del_of_a_config_add_would_refuse_still_releases_the_address_veth_and_rules()
    {
        var (exit, _) = Run("DEL", Ipam + ""","ipMasq":true,"vlan":5000,"hairpinMode":true,"promiscMode":true""");
        Assert.Equal(0, exit);
        Assert.Contains("DeleteLink eth0", _kernel.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
        _iptMasq.Verify(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
    }

    [Fact]
    public void Add_with_ipam_reports_bridge_host_veth_and_container_in_order()
    {
        var (exit, result) = Run("ADD", Ipam + ""","isGateway":true""");
        Assert.Equal(0, exit);
        Assert.Equal(["br9", "vethfake01", "eth0"], result.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal("/run/netns/test", result.GetProperty("interfaces")[2].GetProperty("sandbox").GetString());
        var ip = Assert.Single(result.GetProperty("ips").EnumerateArray());
        Assert.Equal(2, ip.GetProperty("interface").GetInt32());
        Assert.Equal("10.1.0.53", result.GetProperty("dns").GetProperty("nameservers")[0].GetString());
        Assert.Contains("EnsureGatewayAddress br9 10.1.0.1/24", _kernel.Calls);
        Assert.Contains("EnableForwarding v4", _kernel.Calls);
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("EnableForwarding v6", StringComparison.Ordinal));
    }

    [Fact]
    public void Config_dns_overrides_ipam_dns()
    {
        var (_, result) = Run("ADD", Ipam + ""","dns":{"nameservers":["9.9.9.9"]}""");
        Assert.Equal("9.9.9.9", result.GetProperty("dns").GetProperty("nameservers")[0].GetString());
    }

    [Fact]
    public void Layer2_brings_the_container_link_up_without_ipam()
    {
        var (exit, result) = Run("ADD", "");
        Assert.Equal(0, exit);
        Assert.Contains("SetLinkUp eth0", _kernel.Calls);
        Assert.False(result.TryGetProperty("ips", out _));
        _ipam.VerifyNoOtherCalls();
    }

    [Fact]
    public void Layer2_with_spec_020_fails_before_touching_anything()
    {
        var (exit, error) = Run("ADD", "", version: "0.2.0");
        Assert.Equal(1, exit);
        Assert.Equal("cannot convert: no valid IP addresses", error.GetProperty("msg").GetString());
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Ipam_failure_removes_the_veth()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(11, "no IP addresses available in range set: 10.1.0.1-10.1.0.254"));
        var (exit, error) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal(11, error.GetProperty("code").GetInt32());
        Assert.DoesNotContain("vethfake01", _kernel.HostLinks);
        _ipam.Verify(i => i.Del(It.IsAny<string>(), It.IsAny<CmdArgs>()), Times.Never);
    }

    [Fact]
    public void Failure_after_ipam_releases_the_address_and_removes_everything_in_reverse()
    {
        _kernel.FailOn = "Configure";
        var (exit, error) = Run("ADD", Ipam + ""","ipMasq":true""");
        Assert.Equal(1, exit);
        Assert.Equal(999, error.GetProperty("code").GetInt32());
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
        Assert.DoesNotContain("vethfake01", _kernel.HostLinks);
        Assert.Equal("DeleteHostLink vethfake01", _kernel.Calls[^1]);
        _masq.VerifyNoOtherCalls();
    }

    [Fact]
    public void Masquerade_is_set_up_last_and_undone_if_the_port_never_comes_up()
    {
        _kernel.FailOn = "WaitHostLinkUp";
        var (exit, _) = Run("ADD", Ipam + ""","ipMasq":true,"macspoofchk":true""");
        Assert.Equal(1, exit);
        _masq.Verify(m => m.Setup("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        _masq.Verify(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
        _spoof.Verify(s => s.Setup("vethfake01", "02:00:00:00:00:02", "c0ffee-eth0"), Times.Once);
        _spoof.Verify(s => s.Teardown("c0ffee-eth0"), Times.Once);
    }

    [Fact]
    public void Ipam_returning_no_ips_is_an_error_and_releases()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100 { CniVersion = "1.0.0" });
        var (exit, error) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("IPAM plugin returned missing IP config", error.GetProperty("msg").GetString());
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Vlan_gateway_goes_on_a_vlan_link_listed_in_the_result()
    {
        var (_, result) = Run("ADD", Ipam + ""","isGateway":true,"vlan":100""");
        Assert.Equal("br9.100", result.GetProperty("interfaces")[3].GetProperty("name").GetString());
        Assert.Contains("EnsureGatewayAddress br9.100 10.1.0.1/24", _kernel.Calls);
        Assert.Contains(_kernel.Calls, c => c.StartsWith("EnsureBridge br9 mtu=0 vlanFiltering=True", StringComparison.Ordinal));
    }

    [Fact]
    public void Del_with_the_netns_gone_still_releases_ipam_and_masquerade()
    {
        _kernel.Links.NetnsGone = true;
        var (exit, _) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
        _masq.Verify(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>()), Times.Once);
    }

    [Fact]
    public void Del_propagates_ipam_errors()
    {
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(5, "disk full"));
        var (exit, error) = Run("DEL", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("disk full", error.GetProperty("msg").GetString());
    }

    [Fact]
    public void Del_runs_ipam_del_while_the_veth_is_being_deleted()
    {
        using var ipamCalled = new ManualResetEventSlim();
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(ipamCalled.Set);
        var sawIpam = false;
        _kernel.Links.WhileDeletingLink = () => sawIpam = ipamCalled.Wait(TimeSpan.FromSeconds(10));
        var (exit, _) = Run("DEL", Ipam);
        Assert.Equal(0, exit);
        Assert.True(sawIpam, "IPAM DEL must be under way while the container link is deleted");
        Assert.Contains("DeleteLink eth0", _kernel.Calls);
    }

    [Fact]
    public void Del_tears_down_the_masquerade_while_the_veth_is_being_deleted_and_reports_its_failure_after_ipams()
    {
        using var masqCalled = new ManualResetEventSlim();
        _masq.Setup(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>())).Callback(masqCalled.Set);
        var during = false;
        _kernel.Links.WhileDeletingLink = () => during = masqCalled.Wait(TimeSpan.FromSeconds(10));
        var (exit, _) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal(0, exit);
        Assert.True(during, "the masquerade teardown must be under way while the container link is deleted");

        _masq.Setup(m => m.Teardown("net1", "c0ffee", "eth0", It.IsAny<IReadOnlyList<CidrAddress>>())).Throws(new CniException(999, "nft refused"));
        (exit, var error) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal(1, exit);
        Assert.Contains("nft refused", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(5, "disk full"));
        (exit, error) = Run("DEL", Ipam + ""","ipMasq":true""");
        Assert.Equal("disk full", error.GetProperty("msg").GetString());
    }

    [Fact]
    public void Del_reports_the_ipam_error_first_and_a_link_error_when_ipam_succeeded()
    {
        _kernel.FailOn = "DeleteLink";
        var (exit, error) = Run("DEL", Ipam);
        Assert.Equal(1, exit);
        Assert.Contains("injected failure at DeleteLink", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);

        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(5, "disk full"));
        (exit, error) = Run("DEL", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("disk full", error.GetProperty("msg").GetString());
    }

    [Fact]
    public void Check_needs_prev_result_and_delegates_to_ipam()
    {
        var (exit, error) = Run("CHECK", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("Required prevResult missing", error.GetProperty("msg").GetString());
        _ipam.Verify(i => i.Check("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Gc_is_forwarded_to_ipam_and_collects_stale_masquerade_rules()
    {
        var nft = new FakeNftables();
        var masq = new NftMasquerade(() => nft);
        masq.Setup("net1", "keep", "eth0", [CidrAddress.Parse("10.1.0.2/24")]);
        masq.Setup("net1", "gone", "eth0", [CidrAddress.Parse("10.1.0.3/24")]);
        var env = new FakeEnvironment("""{"cniVersion":"1.1.0","name":"net1","type":"bridge","ipMasq":true,"ipam":{"type":"host-local"},"cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]}""",
            ("CNI_COMMAND", "GC"), ("CNI_PATH", "/opt/cni/bin"));
        var exit = new PluginHost(new BridgePlugin(_kernel, _kernel.Links, _ipam.Object, new Masquerading(_ => masq), _spoof.Object), "about").Run(env);
        Assert.Equal(0, exit);
        _ipam.Verify(i => i.Gc("host-local", It.IsAny<CmdArgs>()), Times.Once);
        var comments = nft.ListRules(LibCni.Netfilter.NftFamily.Inet, NftMasquerade.Table, NftMasquerade.Chain).Select(r => r.Comment).ToList();
        Assert.Single(comments);
        Assert.Equal(NftMasquerade.Comment("net1", "eth0", "keep"), comments[0]);
    }

    [Fact]
    public void Status_delegates_to_ipam_and_keeps_its_code()
    {
        _ipam.Setup(i => i.Status("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(50, "no addresses left"));
        var (exit, error) = Run("STATUS", Ipam, version: "1.1.0");
        Assert.Equal(1, exit);
        Assert.Equal(50, error.GetProperty("code").GetInt32());
    }
}

public class BridgeCheckerTests
{
    private readonly FakeBridgeKernel _kernel = new();
    private readonly BridgeConfig _config = new() { NetworkName = "net1", CniVersion = "1.0.0", BridgeName = "br9" };
    private readonly CmdArgs _args = new() { Command = "CHECK", Netns = "/run/netns/c", IfName = "eth0", ContainerId = "c" };

    private static Result100 Prev() => new()
    {
        Interfaces =
        [
            new Interface100 { Name = "br9", Mac = "02:00:00:00:00:10" },
            new Interface100 { Name = "veth1", Mac = "02:00:00:00:00:11" },
            new Interface100 { Name = "eth0", Mac = "02:00:00:00:00:02", Sandbox = "/run/netns/c" },
        ],
        Ips = [new IpConfig100 { Interface = 2, Address = CidrAddress.Parse("10.1.0.2/24") }],
        Routes = [new Route { Dst = CidrAddress.Parse("0.0.0.0/0"), Gw = IpText.Parse("10.1.0.1") }],
    };

    public BridgeCheckerTests()
    {
        _kernel.Links.HostStates["br9"] = new HostLinkState("br9", 10, "02:00:00:00:00:10", "bridge", 0, 0, false);
        _kernel.Links.HostStates["veth1"] = new HostLinkState("veth1", 11, "02:00:00:00:00:11", "veth", 10, 2, false);
        _kernel.Links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", "veth", 11,
            [CidrAddress.Parse("10.1.0.2/24")], [Connected, new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("10.1.0.1"))]);
    }

    private static readonly RouteView Connected = new(CidrAddress.Parse("10.1.0.0/24"), null, 2);

    [Fact]
    public void Healthy_attachment_passes() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev());

    [Fact]
    public void Missing_container_interface_fails()
    {
        _kernel.Links.ContainerState = null;
        Assert.Equal("CNI created interface in container eth0 not found", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message);
    }

    [Fact]
    public void Missing_bridge_fails()
    {
        _kernel.Links.HostStates.Remove("br9");
        Assert.Equal("CNI created bridge br9 in host namespace was not found", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message);
    }

    [Fact]
    public void Host_veth_detached_from_the_bridge_fails()
    {
        _kernel.Links.HostStates["veth1"] = _kernel.Links.HostStates["veth1"] with { MasterIndex = 0 };
        Assert.Equal("CNI veth created for bridge br9 was not found", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message);
    }

    [Fact]
    public void Sandbox_mismatch_fails()
    {
        var prev = Prev();
        prev.Interfaces![2].Sandbox = "/run/netns/other";
        Assert.Equal("Sandbox in prevResult /run/netns/other doesn't match configured netns: /run/netns/c",
            Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, prev)).Message);
    }

    [Fact]
    public void Missing_address_or_route_fails()
    {
        _kernel.Links.ContainerState = _kernel.Links.ContainerState! with { Addresses = [] };
        Assert.Contains("10.1.0.2/24", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message, StringComparison.Ordinal);
        _kernel.Links.ContainerState = _kernel.Links.ContainerState with { Addresses = [CidrAddress.Parse("10.1.0.2/24")], Routes = [] };
        Assert.Equal("Failed to find Gateway <nil> for interface eth0", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message);
        _kernel.Links.ContainerState = _kernel.Links.ContainerState with { Routes = [Connected] };
        Assert.Contains("0.0.0.0/0", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Promiscuous_state_must_match_config()
    {
        _kernel.Links.HostStates["br9"] = _kernel.Links.HostStates["br9"] with { Promiscuous = true };
        Assert.StartsWith("Bridge interface br9 configured Promisc Mode", Assert.Throws<CniException>(() => BridgeChecker.Verify(_kernel.Links, _config, _args, Prev())).Message, StringComparison.Ordinal);
    }
}
