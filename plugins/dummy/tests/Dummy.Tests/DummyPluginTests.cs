using System.Text.Json;
using CniPlugins.Dummy;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Dummy.Tests;

public class DummyPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";
    private readonly FakeContainerInterfaces _links = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public DummyPluginTests() =>
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.66.0.5/24") }],
            Routes = [new Route { Dst = CidrAddress.Parse("10.67.0.0/16") }],
            Dns = new Dns { Nameservers = ["10.66.0.53"] },
        });

    private (int Exit, JsonElement Output) Run(string command, string extra, string netns = "/run/netns/ctr") =>
        FakeRun.Run(new DummyPlugin(_links, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"d","type":"dummy"{{extra}}}""", netns);

    [Fact]
    public void Add_makes_a_dummy_and_keeps_ipams_routes_and_dns()
    {
        var (exit, output) = Run("ADD", Ipam);
        Assert.Equal(0, exit);
        Assert.Equal(["CreateChildLink dummy eth0 parent=- mtu=0", "Configure eth0"], _links.Calls);
        Assert.Equal(new DummyKind(), _links.ChildRequest!.Kind);
        Assert.False(_links.Configured!.Announce);
        Assert.Equal("10.67.0.0/16", output.GetProperty("routes")[0].GetProperty("dst").GetString());
        Assert.Equal("10.66.0.53", output.GetProperty("dns").GetProperty("nameservers")[0].GetString());
        Assert.Equal(0, output.GetProperty("ips")[0].GetProperty("interface").GetInt32());
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("CHECK")]
    public void Ipam_is_required(string command)
    {
        var (exit, output) = Run(command, "");
        Assert.Equal(1, exit);
        Assert.Equal(7, output.GetProperty("code").GetInt32());
        Assert.Equal("dummy interface requires an IPAM configuration", output.GetProperty("msg").GetString());
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void A_failed_ipam_add_removes_the_link()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100 { CniVersion = "1.0.0" });
        var (exit, output) = Run("ADD", Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("IPAM plugin returned missing IP config", output.GetProperty("msg").GetString());
        Assert.Equal(["CreateChildLink dummy eth0 parent=- mtu=0", "DeleteLink eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Del_is_idempotent_and_works_without_netns()
    {
        Assert.Equal(0, Run("DEL", Ipam).Exit);
        Assert.Equal(0, Run("DEL", Ipam, netns: "").Exit);
        _links.NetnsGone = true;
        Assert.Equal(0, Run("DEL", Ipam).Exit);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Exactly(3));
    }

    private const string Prev = Ipam + ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.66.0.5/24","interface":0}],"routes":[{"dst":"10.99.0.0/16"}]}""";

    private void ContainerHas(string kind, bool up) =>
        _links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", kind, 0, [CidrAddress.Parse("10.66.0.5/24")],
            [new RouteView(CidrAddress.Parse("10.66.0.0/24"), null)]) { IsUp = up };

    [Fact]
    public void Check_wants_an_up_dummy_with_the_addresses_and_ignores_routes()
    {
        ContainerHas("dummy", up: true);
        Assert.Equal(0, Run("CHECK", Prev).Exit);
        ContainerHas("dummy", up: false);
        Assert.Equal("Interface eth0 is down", Run("CHECK", Prev).Output.GetProperty("msg").GetString());
        ContainerHas("veth", up: true);
        Assert.Equal("Error: Container interface eth0 not of type dummy", Run("CHECK", Prev).Output.GetProperty("msg").GetString());
        Assert.Equal("dummy: Required prevResult missing", Run("CHECK", Ipam).Output.GetProperty("msg").GetString());
    }
}
