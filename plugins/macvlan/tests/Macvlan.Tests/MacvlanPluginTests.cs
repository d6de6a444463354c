using System.Text.Json;
using CniPlugins.Macvlan;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Macvlan.Tests;

/// <summary>macvlan's decisions over the shared fake of the container-interface layer and a mocked IPAM.</summary>
public class MacvlanPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";

    private readonly FakeContainerInterfaces _links = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public MacvlanPluginTests()
    {
        _links.Parents["eth0"] = new ParentLink("eth0", 7, 1500);
        _links.Parents["ens5"] = new ParentLink("ens5", 9, 9000);
        _links.DefaultRoute = "eth0";
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("192.168.1.5/24"), Gateway = IpText.Parse("192.168.1.1") }],
            Routes = [new Route { Dst = CidrAddress.Parse("0.0.0.0/0") }],
            Dns = new Dns { Nameservers = ["10.0.0.53"] },
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string? cniArgs = null, string netns = "/run/netns/ctr") =>
        FakeRun.Run(new MacvlanPlugin(_links, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"lan","type":"macvlan"{{extra}}}""", netns, cniArgs);

    [Fact]
    public void Add_makes_a_bridge_mode_macvlan_of_the_default_route_interface_and_addresses_it_with_announcements()
    {
        var (exit, output) = Run("ADD", Ipam);
        Assert.Equal(0, exit);
        Assert.Equal(["CreateChildLink macvlan eth0 parent=eth0 mtu=0", "Configure eth0"], _links.Calls);
        Assert.Equal(new MacvlanKind(MacvlanMode.Bridge), _links.ChildRequest!.Kind);
        Assert.Equal(7, _links.ChildRequest.Parent!.Index);
        Assert.True(_links.Configured!.Announce);
        var iface = Assert.Single(output.GetProperty("interfaces").EnumerateArray());
        Assert.Equal("/run/netns/ctr", iface.GetProperty("sandbox").GetString());
        Assert.Equal(0, output.GetProperty("ips")[0].GetProperty("interface").GetInt32());

        // The config's dns, not IPAM's: none here.
        Assert.False(output.TryGetProperty("dns", out _));
    }

    [Theory]
    [InlineData("private", MacvlanMode.Private)]
    [InlineData("vepa", MacvlanMode.Vepa)]
    [InlineData("passthru", MacvlanMode.Passthru)]
    [InlineData("source", MacvlanMode.Source)]
    [InlineData("bridge", MacvlanMode.Bridge)]
    public void Every_mode_is_passed_to_the_kernel(string mode, MacvlanMode expected)
    {
        Assert.Equal(0, Run("ADD", $$""","master":"ens5","mode":"{{mode}}","mtu":9000,"bcqueuelen":500""" + Ipam).Exit);
        Assert.Equal(new MacvlanKind(expected, 500), _links.ChildRequest!.Kind);
        Assert.Equal(("ens5", 9000), (_links.ChildRequest.Parent!.Name, _links.ChildRequest.Mtu));
    }

    [Fact]
    public void Layer2_only_brings_the_link_up_and_calls_no_ipam()
    {
        var (exit, output) = Run("ADD", ""","dns":{"nameservers":["1.1.1.1"]}""");
        Assert.Equal(0, exit);
        Assert.Equal(["CreateChildLink macvlan eth0 parent=eth0 mtu=0", "SetLinkUp eth0"], _links.Calls);
        Assert.False(output.TryGetProperty("ips", out _));
        Assert.Equal("1.1.1.1", output.GetProperty("dns").GetProperty("nameservers")[0].GetString());
        _ipam.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(",\"mode\":\"bridged\"", 7, "unknown macvlan mode: \"bridged\"")]
    [InlineData(""","master":"ens5","mtu":9001""", 7, "invalid MTU 9001, must be [0, master MTU(9000)]")]
    [InlineData(",\"master\":\"eth9\"", 999, "failed to lookup master \"eth9\": Link not found")]
    [InlineData(",\"mac\":\"0a:58:zz:00:00:01\"", 7, "invalid args 0a:58:zz:00:00:01 for MAC addr")]
    [InlineData(",\"mtu\":\"1500\"", 6, "mtu")]
    public void Bad_config_is_refused_before_anything_is_made(string extra, int code, string message)
    {
        var (exit, output) = Run("ADD", extra + Ipam);
        Assert.Equal(1, exit);
        Assert.Equal(code, output.GetProperty("code").GetInt32());
        Assert.Contains(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void No_master_and_no_default_route_is_an_error()
    {
        _links.DefaultRoute = null;
        var (exit, output) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("no default route interface found", output.GetProperty("msg").GetString());
    }

    [Fact]
    public void Link_in_container_looks_the_master_up_there()
    {
        Assert.Equal(0, Run("ADD", ""","master":"ens5","linkInContainer":true""" + Ipam).Exit);
        Assert.Equal("CreateChildLink macvlan eth0 parent=ens5 (in container) mtu=0", _links.Calls[0]);
    }

    [Fact]
    public void A_failed_ipam_add_removes_the_link_unlike_the_reference()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(11, "no addresses left"));
        var (exit, output) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal(11, output.GetProperty("code").GetInt32());
        Assert.Equal(["CreateChildLink macvlan eth0 parent=eth0 mtu=0", "DeleteLink eth0"], _links.Calls);
    }

    [Fact]
    public void A_failed_configure_releases_the_address_and_removes_the_link()
    {
        _links.FailOn = "Configure";
        Assert.Equal(1, Run("ADD", Ipam).Exit);
        Assert.Equal(["CreateChildLink macvlan eth0 parent=eth0 mtu=0", "Configure eth0", "DeleteLink eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Mac_comes_from_the_config_then_cni_args_then_runtime_config()
    {
        Run("ADD", ",\"mac\":\"0a:58:00:00:00:01\"" + Ipam);
        Assert.Equal("0A5800000001", Convert.ToHexString(_links.ChildRequest!.Mac!));
        Run("ADD", ",\"mac\":\"0a:58:00:00:00:01\"" + Ipam, "MAC=0a:58:00:00:00:02");
        Assert.Equal("0A5800000002", Convert.ToHexString(_links.ChildRequest!.Mac!));
        Run("ADD", ""","mac":"0a:58:00:00:00:01","runtimeConfig":{"mac":"0a:58:00:00:00:03"}""" + Ipam, "MAC=0a:58:00:00:00:02");
        Assert.Equal("0A5800000003", Convert.ToHexString(_links.ChildRequest!.Mac!));
    }

    [Fact]
    public void Unknown_cni_args_fail_add_but_not_del()
    {
        var (exit, output) = Run("ADD", Ipam, "K8S_POD_NAME=web");
        Assert.Equal(1, exit);
        Assert.Contains("K8S_POD_NAME", output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Run("ADD", Ipam, "IgnoreUnknown=1;K8S_POD_NAME=web").Exit);
        Assert.Equal(0, Run("DEL", Ipam, "K8S_POD_NAME=web").Exit);
    }

    [Fact]
    public void Del_releases_ipam_and_deletes_the_link_and_needs_no_master()
    {
        _links.Parents.Clear();
        _links.DefaultRoute = null;
        Assert.Equal(0, Run("DEL", ",\"master\":\"gone0\"" + Ipam).Exit);
        Assert.Equal(["DeleteLink eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Del_runs_ipam_del_while_the_link_is_deleted_and_reports_ipams_error()
    {
        // ContainerLinkAttachment.Delete, shared by macvlan, ipvlan, vlan, dummy and tap.
        using var ipamCalled = new ManualResetEventSlim();
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(ipamCalled.Set);
        var during = false;
        _links.WhileDeletingLink = () => during = ipamCalled.Wait(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Run("DEL", Ipam).Exit);
        Assert.True(during, "IPAM DEL must be under way while the container link is deleted");

        _links.WhileDeletingLink = null;
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Throws(new CniException(5, "disk full"));
        var (exit, error) = Run("DEL", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("disk full", error.GetProperty("msg").GetString());
    }

    [Fact]
    public void Del_with_dhcp_releases_before_the_link_goes_since_the_release_is_sent_through_it()
    {
        var released = false;
        _ipam.Setup(i => i.Del("dhcp", It.IsAny<CmdArgs>())).Callback(() => released = true);
        var releasedFirst = false;
        _links.WhileDeletingLink = () => releasedFirst = released;
        Assert.Equal(0, Run("DEL", ""","ipam":{"type":"dhcp"}""").Exit);
        Assert.True(releasedFirst, "dhcp's DEL must end before the container link is deleted");
        Assert.False(ContainerLinkAttachment.ReleasesWithoutTheLink("dhcp"));
        Assert.False(ContainerLinkAttachment.ReleasesWithoutTheLink("whereabouts"));
        Assert.True(ContainerLinkAttachment.ReleasesWithoutTheLink("host-local"));
    }

    [Fact]
    public void Del_without_netns_or_with_it_gone_succeeds()
    {
        Assert.Equal(0, Run("DEL", Ipam, netns: "").Exit);
        Assert.Empty(_links.Calls);
        _links.NetnsGone = true;
        Assert.Equal(0, Run("DEL", Ipam).Exit);
    }

    private string CheckConf(string mac = "02:00:00:00:00:02") =>
        Ipam + $$""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"{{mac}}","sandbox":"/run/netns/ctr"}],"ips":[{"address":"192.168.1.5/24","gateway":"192.168.1.1","interface":0}],"routes":[{"dst":"0.0.0.0/0"}]}""";

    private void ContainerHas(LinkKind kind, int parentIndex = 7) =>
        _links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", kind.Name, parentIndex,
            [CidrAddress.Parse("192.168.1.5/24")],
            [new RouteView(CidrAddress.Parse("192.168.1.0/24"), null), new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("192.168.1.1"))])
        { Details = kind, IsUp = true };

    [Fact]
    public void Check_passes_on_what_add_made()
    {
        ContainerHas(new MacvlanKind(MacvlanMode.Bridge));
        Assert.Equal(0, Run("CHECK", CheckConf()).Exit);
        _ipam.Verify(i => i.Check("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Theory]
    [InlineData("private", 7, "container macvlan mode private does not match expected value: bridge")]
    [InlineData("bridge", 9, "is not on master \"eth0\"")]
    public void Check_reads_mode_and_master_back(string mode, int parentIndex, string message)
    {
        ContainerHas(new MacvlanKind(MacvlanConfig.Modes[mode]), parentIndex);
        var (exit, output) = Run("CHECK", CheckConf());
        Assert.Equal(1, exit);
        Assert.Contains(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_errors_use_the_references_lower_case_texts()
    {
        ContainerHas(new OtherKind("veth"));
        Assert.Equal("error: Container interface eth0 not of type macvlan", Run("CHECK", CheckConf()).Output.GetProperty("msg").GetString());
        ContainerHas(new MacvlanKind(MacvlanMode.Bridge));
        Assert.Equal("interface eth0 Mac 02:00:00:00:00:99 doesn't match container Mac: 02:00:00:00:00:02",
            Run("CHECK", CheckConf("02:00:00:00:00:99")).Output.GetProperty("msg").GetString());
        Assert.Equal("required prevResult missing", Run("CHECK", Ipam).Output.GetProperty("msg").GetString());
        _links.ContainerState = null;
        Assert.Equal("container Interface name in prevResult: eth0 not found", Run("CHECK", CheckConf()).Output.GetProperty("msg").GetString());
    }
}
