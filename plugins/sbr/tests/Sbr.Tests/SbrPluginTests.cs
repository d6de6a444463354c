using CniPlugins.Sbr;
using LibCni.Netlink.Route;
using LibCni.TestKit;
using Xunit;

namespace Sbr.Tests;

/// <summary>ADD, DEL and CHECK through the plugin host on an in-memory container netns.</summary>
public class SbrPluginTests
{
    private readonly FakeNetnsRouting _netns = new();
    private readonly int _eth0;

    public SbrPluginTests()
    {
        _eth0 = _netns.AddLink("eth0", "veth").Index;
        _netns.Rules.AddRange([new RuleSpec { Table = 255, Priority = 0 }, new RuleSpec { Table = 254, Priority = 32766 }, new RuleSpec { Table = 253, Priority = 32767 }]);
        _netns.AddKernelAddress(_eth0, "10.1.0.2/24");
        _netns.AddKernelRoute("10.1.0.0/24", null, _eth0, scope: 253, protocol: 2, source: "10.1.0.2");
        _netns.AddKernelRoute("0.0.0.0/0", "10.1.0.1", _eth0);
    }

    private const string Prev =
        ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1","interface":0}]}""";

    private static string Conf(string extra = Prev) => $$"""{"cniVersion":"1.0.0","name":"n","type":"sbr"{{extra}}}""";

    private (int Exit, System.Text.Json.JsonElement Output) Run(string command, string conf) => FakeRun.Run(new SbrPlugin(_netns), command, conf);

    [Fact]
    public void Add_moves_the_interface_routes_to_table_100_behind_a_rule_and_passes_prevResult_on()
    {
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(0, exit);
        Assert.Equal("10.1.0.2/24", output.GetProperty("ips")[0].GetProperty("address").GetString());
        var rule = Assert.Single(_netns.Rules, r => r.Source is not null);
        Assert.Equal(("10.1.0.2/32", 100), (rule.Source.ToString(), rule.Table));
        Assert.Empty(_netns.ListRoutes(254));
        Assert.Equal(["0.0.0.0/0 via 10.1.0.1", "10.1.0.0/24"], _netns.ListRoutes(100).Select(r => r.Destination + (r.Gateway is null ? "" : $" via {r.Gateway}")).Order());
        Assert.All(_netns.Locks, Assert.True);
    }

    [Fact]
    public void Add_without_prevResult_is_refused_before_any_change()
    {
        var (exit, output) = Run("ADD", Conf(""));
        Assert.Equal(1, exit);
        Assert.Equal("This plugin must be called as chained plugin", output.GetProperty("msg").GetString());
        Assert.Empty(_netns.Calls);
    }

    [Fact]
    public void A_failed_add_undoes_its_rule_and_routes()
    {
        _netns.FailOn.Add("route del 10.1.0.0/24 dev 2 table 254");
        var (exit, output) = Run("ADD", Conf());
        Assert.Equal(1, exit);
        Assert.StartsWith("Failed to delete route: ", output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_netns.Rules, r => r.Source is not null);
        Assert.Empty(_netns.ListRoutes(100));
        Assert.Equal(["0.0.0.0/0", "10.1.0.0/24"], _netns.ListRoutes(254).Select(r => r.Destination.ToString()).Order());
    }

    [Fact]
    public void Fixed_table_adds_only_the_rule()
    {
        Assert.Equal(0, Run("ADD", Conf(""","table":500""" + Prev)).Exit);
        Assert.Equal(500, Assert.Single(_netns.Rules, r => r.Source is not null).Table);
        Assert.Equal(2, _netns.ListRoutes(254).Count);
    }

    [Fact]
    public void Del_removes_the_rule_and_the_table_and_is_idempotent()
    {
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        Assert.DoesNotContain(_netns.Rules, r => r.Source is not null);
        Assert.Empty(_netns.ListRoutes(100));
        Assert.Equal(0, Run("DEL", Conf()).Exit);
    }

    [Fact]
    public void Del_with_the_interface_gone_removes_the_rules_of_prevResult_addresses()
    {
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        _netns.DeleteLink(_eth0);
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        Assert.DoesNotContain(_netns.Rules, r => r.Source is not null);
    }

    [Fact]
    public void Del_with_the_netns_gone_or_unset_succeeds()
    {
        _netns.Exists = false;
        Assert.Equal(0, Run("DEL", Conf()).Exit);
        Assert.Equal(0, FakeRun.Run(new SbrPlugin(_netns), "DEL", Conf(), netns: "").Exit);
    }

    [Fact]
    public void Check_passes_after_add_and_fails_when_the_rule_is_gone()
    {
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        Assert.Equal(0, Run("CHECK", Conf()).Exit);
        _netns.Rules.RemoveAll(r => r.Source is not null);
        var (exit, output) = Run("CHECK", Conf());
        Assert.Equal(1, exit);
        Assert.Equal("no rule \"from 10.1.0.2/32 lookup <table>\" for eth0", output.GetProperty("msg").GetString());
    }

    [Fact]
    public void Check_fails_when_the_table_no_longer_routes_through_the_interface()
    {
        Assert.Equal(0, Run("ADD", Conf()).Exit);
        _netns.Routes.RemoveAll(r => r.Table == 100);
        var (exit, output) = Run("CHECK", Conf());
        Assert.Equal(1, exit);
        Assert.Equal("table 100 of \"from 10.1.0.2/32\" has no route through eth0", output.GetProperty("msg").GetString());
    }
}
