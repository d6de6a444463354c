using System.Text.Json;
using CniPlugins.Ipvlan;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Ipvlan.Tests;

public class IpvlanPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";
    private readonly FakeContainerInterfaces _links = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public IpvlanPluginTests()
    {
        _links.Parents["eth0"] = new ParentLink("eth0", 7, 1500);
        _links.Parents["net1"] = new ParentLink("net1", 4, 1500);
        _links.DefaultRoute = "eth0";
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.69.0.5/24") }],
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string netns = "/run/netns/ctr") =>
        FakeRun.Run(new IpvlanPlugin(_links, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"iv","type":"ipvlan"{{extra}}}""", netns);

    [Theory]
    [InlineData("", IpvlanMode.L2)]
    [InlineData("l2", IpvlanMode.L2)]
    [InlineData("l3", IpvlanMode.L3)]
    [InlineData("l3s", IpvlanMode.L3s)]
    public void Add_makes_an_ipvlan_of_the_default_route_interface_in_each_mode(string mode, IpvlanMode expected)
    {
        Assert.Equal(0, Run("ADD", $$""","mode":"{{mode}}","mtu":1400""" + Ipam).Exit);
        Assert.Equal(["CreateChildLink ipvlan eth0 parent=eth0 mtu=1400", "Configure eth0"], _links.Calls);
        Assert.Equal(new IpvlanKind(expected), _links.ChildRequest!.Kind);
        Assert.True(_links.Configured!.Announce);
    }

    [Fact]
    public void Unknown_mode_is_refused()
    {
        var (exit, output) = Run("ADD", ",\"mode\":\"l4\"" + Ipam);
        Assert.Equal(1, exit);
        Assert.Equal("unknown ipvlan mode: \"l4\"", output.GetProperty("msg").GetString());
        Assert.Empty(_links.Calls);
    }

    private const string Chained = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"net1"}],"ips":[{"address":"10.70.0.9/24","interface":0}],"dns":{"nameservers":["9.9.9.9"]}}""";

    [Fact]
    public void Chained_without_ipam_takes_the_master_and_addresses_from_prev_result()
    {
        var (exit, output) = Run("ADD", Chained);
        Assert.Equal(0, exit);
        Assert.Equal(["CreateChildLink ipvlan eth0 parent=net1 mtu=0", "Configure eth0"], _links.Calls);
        Assert.Equal("10.70.0.9/24", output.GetProperty("ips")[0].GetProperty("address").GetString());
        Assert.Equal("eth0", Assert.Single(output.GetProperty("interfaces").EnumerateArray()).GetProperty("name").GetString());
        _ipam.VerifyNoOtherCalls();
    }

    [Fact]
    public void Chained_with_several_interfaces_and_no_master_is_an_error()
    {
        var (exit, output) = Run("ADD", ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"a"},{"name":"b"}],"ips":[]}""");
        Assert.Equal(1, exit);
        Assert.Equal("chained master failure. PrevResult lacks a single named interface", output.GetProperty("msg").GetString());
    }

    [Fact]
    public void No_ipam_and_no_prev_result_addresses_is_an_error_that_leaves_no_link()
    {
        var (exit, output) = Run("ADD", "");
        Assert.Equal(1, exit);
        Assert.Equal("no plugin name provided", output.GetProperty("msg").GetString());
        Assert.Equal(["CreateChildLink ipvlan eth0 parent=eth0 mtu=0", "DeleteLink eth0"], _links.Calls);
    }

    [Fact]
    public void Del_needs_no_default_route()
    {
        _links.DefaultRoute = null;
        Assert.Equal(0, Run("DEL", Ipam).Exit);
        Assert.Equal(["DeleteLink eth0"], _links.Calls);
    }

    private const string Prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.69.0.5/24","interface":0}]}""";

    [Theory]
    [InlineData(IpvlanMode.L3, 7, null)]
    [InlineData(IpvlanMode.L2, 7, "Container IPVlan mode l2 does not match expected value: l3")]
    [InlineData(IpvlanMode.L3, 4, "Container IPVlan eth0 is not on master \"eth0\"")]
    public void Check_reads_mode_and_master_back(IpvlanMode mode, int parent, string? message)
    {
        _links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", "ipvlan", parent, [CidrAddress.Parse("10.69.0.5/24")],
            [new RouteView(CidrAddress.Parse("10.69.0.0/24"), null)]) { IsUp = true, Details = new IpvlanKind(mode) };
        var (exit, output) = Run("CHECK", ",\"mode\":\"l3\"" + Ipam + Prev);
        Assert.Equal(message is null ? 0 : 1, exit);
        if (message is not null)
        {
            Assert.StartsWith(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        }
    }
}
