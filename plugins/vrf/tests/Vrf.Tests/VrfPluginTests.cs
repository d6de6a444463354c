using CniPlugins.Vrf;
using LibCni.Netlink.Route;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Vrf.Tests;

/// <summary>ADD, DEL and CHECK through the plugin host on an in-memory container netns that behaves as the kernel does on enslaving.</summary>
public class VrfPluginTests
{
    private readonly FakeNetnsRouting _netns = new();
    private readonly int _eth0;

    public VrfPluginTests()
    {
        _eth0 = _netns.AddLink("eth0", "veth").Index;
        _netns.AddKernelAddress(_eth0, "10.1.0.2/24");
        _netns.AddKernelAddress(_eth0, "fd01::2/64");
        _netns.AddKernelAddress(_eth0, "fe80::1/64", scope: 253);
        _netns.AddKernelRoute("10.1.0.0/24", null, _eth0, scope: 253, protocol: 2, source: "10.1.0.2");
        _netns.AddKernelRoute("10.20.0.0/16", "10.1.0.1", _eth0);
        _netns.AddKernelRoute("0.0.0.0/0", "10.1.0.1", _eth0);
        _netns.OnSetMaster = (n, port, master) =>
        {
            Enslaving(n, port, master);
            if (master != 0 && n.GetLink(master)?.Details is VrfKind vrf)
            {
                n.AddKernelRoute("fd01::2/128", null, port, table: vrf.Table, scope: 254, protocol: 2);
            }
        };
    }

    /// <summary>What the kernel does when a port joins a VRF: its routes leave main (connected ones come back in the VRF's table), its global IPv6 addresses go.</summary>
    private static void Enslaving(FakeNetnsRouting netns, int port, int master)
    {
        if (master == 0 || netns.GetLink(master)?.Details is not VrfKind vrf)
        {
            return;
        }

        var moved = netns.Routes.Where(r => r.OutputIndex == port && r.Table == 254).ToList();
        netns.Routes.RemoveAll(moved.Contains);
        netns.Routes.AddRange(moved.Where(r => r.Scope == 253).Select(r => r with { Table = vrf.Table }));
        netns.Addresses.RemoveAll(a => a.Index == port && !a.Address.IsV4 && a.Scope == 0);
    }

    private const string Prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1","interface":0}]}""";

    private static string Conf(string extra = "", string prev = Prev) => $$"""{"cniVersion":"1.0.0","name":"n","type":"vrf","vrfname":"blue"{{extra}}{{prev}}}""";

    private (int Exit, System.Text.Json.JsonElement Output) Run(string command, string conf) =>
        FakeRun.Run(new VrfPlugin(_netns) { Sleep = _ => { } }, command, conf);

    [Fact]
    public void Add_makes_the_vrf_with_table_1_enslaves_restores_ipv6_and_moves_gateway_routes()
    {
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(0, exit);
        Assert.Equal("10.1.0.2/24", output.GetProperty("ips")[0].GetProperty("address").GetString());
        var vrf = _netns.GetLink("blue")!;
        Assert.Equal(new VrfKind(1), vrf.Details);
        Assert.Equal(vrf.Index, _netns.GetLink("eth0")!.MasterIndex);
        Assert.Contains(_netns.Addresses, a => a.Address.ToString() == "fd01::2/64");
        Assert.Equal(["0.0.0.0/0", "10.1.0.0/24", "10.20.0.0/16", "fd01::2/128"], _netns.ListRoutes(1).Select(r => r.Destination.ToString()).Order());
        Assert.Empty(_netns.ListRoutes(254));
        Assert.Contains("link set 3 up", _netns.Calls);
    }

    private int RunAs(string command, string conf, string ifName)
    {
        var env = FakeEnvironment.For(command, conf, "/run/netns/ctr", ifName);
        return new LibCni.Skel.PluginHost(new VrfPlugin(_netns) { Sleep = _ => { } }, "about", null, VrfPlugin.SupportedVersions).Run(env);
    }

    [Fact]
    public void The_table_is_the_first_no_vrf_uses_or_the_configured_one()
    {
        Assert.Equal(1, VrfPlugin.FreeTable([]));
        var links = new[] { new LinkInfo { Index = 5, Name = "a", Kind = "vrf", Details = new VrfKind(1) }, new LinkInfo { Index = 6, Name = "b", Kind = "vrf", Details = new VrfKind(3) } };
        Assert.Equal(2, VrfPlugin.FreeTable(links));
        Assert.Equal(0, Run("ADD", Conf(""","table":1234""", Prev)).Exit);
        Assert.Equal(new VrfKind(1234), _netns.GetLink("blue")!.Details);
    }

    [Fact]
    public void A_second_interface_joins_the_existing_vrf_and_a_different_table_is_refused()
    {
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        var net1 = _netns.AddLink("net1", "veth").Index;
        Assert.Equal(0, RunAs("ADD", Conf(), "net1"));
        _netns.AddLink("net2", "veth");
        var (exit, output) = Run("ADD", Conf(""","table":7"""));
        Assert.Equal(1, exit);
        Assert.Equal("cmdAdd failed: VRF blue already exist with different routing table 1", output.GetProperty("msg").GetString());
        Assert.NotEqual(0, net1);
    }

    [Fact]
    public void Errors_name_what_is_wrong()
    {
        Assert.Equal("missing prevResult from earlier plugin", Run("ADD", Conf(prev: "")).Output.GetProperty("msg").GetString());
        Assert.Equal("configuration is expected to have a valid vrf name",
            FakeRun.Run(new VrfPlugin(_netns), "ADD", """{"cniVersion":"1.0.0","name":"n","type":"vrf"}""").Output.GetProperty("msg").GetString());
        _netns.AddLink("blue", "dummy");
        Assert.Equal("cmdAdd failed: Netlink blue is not a VRF", Run("ADD", Conf()).Output.GetProperty("msg").GetString());
    }

    [Fact]
    public void An_interface_with_a_master_already_is_refused_and_the_new_vrf_removed()
    {
        var bridge = _netns.AddLink("br0", "bridge");
        _netns.Links[0] = _netns.Links[0] with { MasterIndex = bridge.Index };
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(1, exit);
        Assert.Equal("cmdAdd failed: interface eth0 has already a master set: br0", output.GetProperty("msg").GetString());
        Assert.Null(_netns.GetLink("blue"));
    }

    [Fact]
    public void A_failed_route_move_releases_the_interface_puts_routes_back_and_removes_the_vrf()
    {
        _netns.FailOn.Add("route replace 10.20.0.0/16");
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(1, exit);
        Assert.StartsWith("cmdAdd failed: could not add route '10.20.0.0/16 via 10.1.0.1': ", output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Null(_netns.GetLink("blue"));
        Assert.Equal(0, _netns.GetLink("eth0")!.MasterIndex);
        Assert.Contains(_netns.ListRoutes(254), r => r.Destination.ToString() == "0.0.0.0/0");
    }

    [Fact]
    public void An_ipv6_address_whose_local_route_never_comes_fails_after_the_polls()
    {
        _netns.OnSetMaster = Enslaving;
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(1, exit);
        Assert.Equal("cmdAdd failed: failed getting local/host addresses for eth0 in table 1 with dst fd01::2/64", output.GetProperty("msg").GetString());
        Assert.Null(_netns.GetLink("blue"));
    }

    [Fact]
    public void Del_releases_the_interface_removes_the_vrf_with_the_last_and_is_idempotent()
    {
        _netns.Addresses.RemoveAll(a => !a.Address.IsV4);
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        var net1 = _netns.AddLink("net1", "veth").Index;
        Assert.Equal(0, RunAs("ADD", Conf(), "net1"));
        _netns.SetMaster(net1, _netns.GetLink("blue")!.Index);
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        Assert.NotNull(_netns.GetLink("blue"));
        Assert.Equal(0, _netns.GetLink("eth0")!.MasterIndex);
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        _netns.SetMaster(net1, 0);
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        Assert.Null(_netns.GetLink("blue"));
        _netns.Exists = false;
        Assert.Equal(0, Run("DEL", Conf()).Exit);
    }

    [Fact]
    public void Check_wants_the_interface_in_the_vrf()
    {
        _netns.Addresses.RemoveAll(a => !a.Address.IsV4);
        Assert.Equal("Link not found", Run("CHECK", Conf()).Output.GetProperty("msg").GetString());
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        Assert.Equal(0, Run("CHECK", Conf()).Exit);
        Assert.Equal(1, Run("CHECK", Conf(""","table":9""")).Exit);
        _netns.SetMaster(_eth0, 0);
        Assert.Equal("failed to find eth0 associated to vrf blue", Run("CHECK", Conf()).Output.GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.2.0")]
    public void Versions_before_0_3_1_are_refused(string version)
    {
        var env = FakeEnvironment.For("ADD", $$"""{"cniVersion":"{{version}}","name":"n","type":"vrf","vrfname":"blue"}""");
        Assert.Equal(1, new LibCni.Skel.PluginHost(new VrfPlugin(_netns), "about", null, VrfPlugin.SupportedVersions).Run(env));
        Assert.Contains("\"code\": 1", env.Output, StringComparison.Ordinal);
    }
}
