using System.Text.Json;
using CniPlugins.Vlan;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Vlan.Tests;

public class VlanPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";
    private readonly FakeContainerInterfaces _links = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public VlanPluginTests()
    {
        _links.Parents["eth0"] = new ParentLink("eth0", 7, 1500);
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.68.0.5/24"), Gateway = IpText.Parse("10.68.0.1") }],
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string netns = "/run/netns/ctr") =>
        FakeRun.Run(new VlanPlugin(_links, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"v","type":"vlan"{{extra}}}""", netns);

    [Fact]
    public void Add_makes_a_vlan_of_the_master()
    {
        var (exit, output) = Run("ADD", ""","master":"eth0","vlanId":42,"mtu":1400""" + Ipam);
        Assert.Equal(0, exit);
        Assert.Equal(["CreateChildLink vlan eth0 parent=eth0 mtu=1400", "Configure eth0"], _links.Calls);
        Assert.Equal(new VlanKind(42), _links.ChildRequest!.Kind);
        Assert.Equal("/run/netns/ctr", output.GetProperty("interfaces")[0].GetProperty("sandbox").GetString());
    }

    [Theory]
    [InlineData(""","vlanId":5""" + Ipam, "\"master\" field is required. It specifies the host interface name to create the VLAN for")]
    [InlineData(""","master":"eth0","vlanId":4095""" + Ipam, "invalid VLAN ID 4095 (must be between 0 and 4094 inclusive)")]
    [InlineData(""","master":"eth0","vlanId":-1""" + Ipam, "invalid VLAN ID -1 (must be between 0 and 4094 inclusive)")]
    [InlineData(""","master":"eth0","vlanId":5,"mtu":1501""" + Ipam, "invalid MTU 1501, must be [0, master MTU(1500)]")]
    [InlineData(""","master":"eth0","vlanId":5""", "IPAM config missing 'type' key")]
    public void Bad_config_is_refused_before_anything_is_made(string extra, string message)
    {
        var (exit, output) = Run("ADD", extra);
        Assert.Equal(1, exit);
        Assert.Equal(7, output.GetProperty("code").GetInt32());
        Assert.Equal(message, output.GetProperty("msg").GetString());
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void Vlan_id_zero_and_4094_are_accepted()
    {
        Assert.Equal(0, Run("ADD", ""","master":"eth0","vlanId":0""" + Ipam).Exit);
        Assert.Equal(0, Run("ADD", ""","master":"eth0","vlanId":4094""" + Ipam).Exit);
    }

    [Fact]
    public void Del_needs_no_master_and_is_idempotent()
    {
        _links.Parents.Clear();
        Assert.Equal(0, Run("DEL", ""","master":"gone","vlanId":5""" + Ipam).Exit);
        _links.NetnsGone = true;
        Assert.Equal(0, Run("DEL", ""","master":"gone","vlanId":5""" + Ipam).Exit);
    }

    private const string Prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.68.0.5/24","gateway":"10.68.0.1","interface":0}]}""";

    private void ContainerHas(int id, int parent = 7, int mtu = 1400) =>
        _links.ContainerState = new ContainerLinkState("eth0", 2, "02:00:00:00:00:02", "vlan", parent, [CidrAddress.Parse("10.68.0.5/24")],
            [new RouteView(CidrAddress.Parse("10.68.0.0/24"), null)]) { IsUp = true, Details = new VlanKind(id), Mtu = mtu };

    [Theory]
    [InlineData(42, 7, 1400, null)]
    [InlineData(43, 7, 1400, "Error: vlan link eth0 configured vlanId is 42, current value is 43")]
    [InlineData(42, 8, 1400, "Error: vlan link eth0 is not on master \"eth0\"")]
    [InlineData(42, 7, 1300, "Error: vlan configured MTU of eth0 is 1400, current value is 1300")]
    public void Check_reads_id_master_and_mtu_back(int id, int parent, int mtu, string? message)
    {
        ContainerHas(id, parent, mtu);
        var (exit, output) = Run("CHECK", ""","master":"eth0","vlanId":42,"mtu":1400""" + Ipam + Prev);
        if (message is null)
        {
            Assert.Equal(0, exit);
        }
        else
        {
            Assert.Equal(1, exit);
            Assert.StartsWith(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_texts_carry_the_references_vlan_prefix()
    {
        Assert.Equal("vlan: Required prevResult missing", Run("CHECK", ""","master":"eth0","vlanId":42""" + Ipam).Output.GetProperty("msg").GetString());
        Assert.Equal("vlan: Container Interface name in prevResult: eth0 not found",
            Run("CHECK", ""","master":"eth0","vlanId":42""" + Ipam + Prev).Output.GetProperty("msg").GetString());
    }
}
