using CniPlugins.Sbr;
using LibCni.Netlink.Route;
using LibCni.Types;
using Xunit;

namespace Sbr.Tests;

/// <summary>sbr's pure decisions: which addresses, which tables, which routes move.</summary>
public class SbrRoutingTests
{
    private static readonly SbrConfig Auto = new();

    private static RouteInfo Route(string dst, string? gw, int oif = 3, string? src = null, byte scope = 0, byte protocol = 3) =>
        new(CidrAddress.Parse(dst), gw is null ? null : IpText.Parse(gw), oif, 254, scope, protocol, 1, 0, 0, 0) { PreferredSource = src is null ? null : IpText.Parse(src) };

    private static RuleSpec RuleTo(int table, string? from = null) => new() { Table = table, Source = from is null ? null : CidrAddress.Parse(from) };

    private static readonly RuleSpec[] DefaultRules = [RuleTo(255), RuleTo(254), RuleTo(253)];

    [Fact]
    public void Addresses_are_those_of_the_interface_or_of_none_or_of_an_index_out_of_range()
    {
        var prev = new Result100
        {
            Interfaces = [new Interface100 { Name = "eth0" }, new Interface100 { Name = "net1", Sandbox = "/run/netns/x" }],
            Ips =
            [
                new IpConfig100 { Address = CidrAddress.Parse("10.0.0.2/24"), Interface = 0 },
                new IpConfig100 { Address = CidrAddress.Parse("10.1.0.2/24"), Interface = 1, Gateway = IpText.Parse("10.1.0.1") },
                new IpConfig100 { Address = CidrAddress.Parse("10.2.0.2/24") },
                new IpConfig100 { Address = CidrAddress.Parse("10.3.0.2/24"), Interface = 7 },
            ],
        };
        var addresses = SbrRouting.AddressesFor(prev, "net1");
        Assert.Equal(["10.1.0.2/24", "10.2.0.2/24", "10.3.0.2/24"], addresses.Select(a => a.Address.ToString()));
        Assert.Equal("10.1.0.1", addresses[0].Gateway!.ToString());
    }

    [Fact]
    public void No_addresses_at_all_is_an_error_naming_the_interface()
    {
        var e = Assert.Throws<CniException>(() => SbrRouting.AddressesFor(new Result100(), "net1"));
        Assert.Equal("No IP addresses supplied on interface: net1", e.Message);
    }

    [Fact]
    public void Tables_start_at_100_and_skip_those_rules_use_one_per_address()
    {
        Assert.Equal(100, SbrRouting.NextFreeTable(DefaultRules, SbrRouting.FirstTable));
        var rules = DefaultRules.Append(RuleTo(100, "10.0.0.2/32")).Append(RuleTo(101, "fd00::2/128")).ToList();
        var addresses = new[] { new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), null), new SbrAddress(CidrAddress.Parse("fd01::2/64"), null) };
        var steps = SbrRouting.Automatic(addresses, 3, rules, [], Auto);
        Assert.Equal([102, 103], steps.OfType<AddRuleStep>().Select(s => s.Rule.Table));
        Assert.Equal(["10.1.0.2/32", "fd01::2/128"], steps.OfType<AddRuleStep>().Select(s => s.Rule.Source.ToString()));
        Assert.False(steps.OfType<AddRuleStep>().Last().Rule.IsV4);
    }

    [Fact]
    public void A_table_used_by_a_rule_between_the_addresses_is_skipped_too()
    {
        var rules = DefaultRules.Append(RuleTo(101)).ToList();
        var addresses = new[] { new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), null), new SbrAddress(CidrAddress.Parse("10.1.1.2/24"), null) };
        Assert.Equal([100, 102], SbrRouting.Automatic(addresses, 3, rules, [], Auto).OfType<AddRuleStep>().Select(s => s.Rule.Table));
    }

    [Fact]
    public void Each_address_gets_a_default_route_a_copy_of_its_routes_and_then_main_loses_the_interface_routes()
    {
        var connected = Route("10.1.0.0/24", null, src: "10.1.0.2", scope: 253, protocol: 2);
        var viaGateway = Route("192.168.0.0/16", "10.1.0.1");
        var linkLocal = Route("fe80::/64", null, protocol: 2);
        var otherSubnet = Route("172.16.0.0/12", "10.9.0.1");
        var steps = SbrRouting.Automatic(
            [new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), IpText.Parse("10.1.0.1"))], 3, DefaultRules, [connected, viaGateway, linkLocal, otherSubnet], Auto);

        var defaultRoute = Assert.Single(steps.OfType<AddRouteStep>()).Route;
        Assert.Equal(("0.0.0.0/0", "10.1.0.1", 3, 100), (defaultRoute.Destination.ToString(), defaultRoute.Gateway!.ToString(), defaultRoute.OutputIndex, defaultRoute.Table!.Value));
        var copies = steps.OfType<CopyRouteStep>().Select(s => s.Route).ToList();
        Assert.Equal(["10.1.0.0/24", "192.168.0.0/16", "fe80::/64"], copies.Select(r => r.Destination.ToString()));
        Assert.All(copies, r => Assert.Equal(100, r.Table));
        Assert.Equal((byte)2, copies[0].Protocol);
        Assert.Equal((byte)253, copies[0].Scope);
        Assert.Equal("10.1.0.2", copies[0].Source!.ToString());
        Assert.Equal(4, steps.OfType<DeleteMainRouteStep>().Count(s => s.Fatal));
        Assert.IsType<DeleteMainRouteStep>(steps[^1]);
    }

    [Fact]
    public void A_static_gateway_of_the_family_wins_over_the_address_gateway()
    {
        var config = new SbrConfig { GatewayV4 = IpText.Parse("10.1.0.254"), GatewayV6 = IpText.Parse("fd01::fe") };
        var steps = SbrRouting.Automatic(
            [new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), IpText.Parse("10.1.0.1")), new SbrAddress(CidrAddress.Parse("fd01::2/64"), null)], 3, DefaultRules, [], config);
        Assert.Equal(["10.1.0.254", "fd01::fe"], steps.OfType<AddRouteStep>().Select(s => s.Route.Gateway!.ToString()));
        Assert.Equal(["0.0.0.0/0", "::/0"], steps.OfType<AddRouteStep>().Select(s => s.Route.Destination.ToString()));
    }

    [Fact]
    public void Source_hints_keep_the_subnet_in_main_with_the_address_as_source_and_delete_only_other_routes()
    {
        var connected = Route("10.1.0.0/24", null, src: "10.1.0.2", scope: 253, protocol: 2);
        var viaGateway = Route("192.168.0.0/16", "10.1.0.1");
        var steps = SbrRouting.Automatic(
            [new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), null)], 3, DefaultRules, [connected, viaGateway], Auto with { AddSourceHints = true });
        var hint = Assert.Single(steps.OfType<SourceHintStep>());
        Assert.Equal(("10.1.0.0/24", "10.1.0.2", (byte)253), (hint.Route.Destination.ToString(), hint.Route.Source!.ToString(), hint.Route.Scope!.Value));
        Assert.Same(connected, hint.Replaced);
        var deleted = Assert.Single(steps.OfType<DeleteMainRouteStep>());
        Assert.Same(viaGateway, deleted.Route);
        Assert.False(deleted.Fatal);
        Assert.False(hint.Fatal);
    }

    [Fact]
    public void Fixed_table_makes_only_rules()
    {
        var steps = SbrRouting.WithTable([new SbrAddress(CidrAddress.Parse("10.1.0.2/24"), IpText.Parse("10.1.0.1")), new SbrAddress(CidrAddress.Parse("fd01::2/64"), null)], 500);
        Assert.All(steps, s => Assert.Equal(500, Assert.IsType<AddRuleStep>(s).Rule.Table));
        Assert.Equal(2, steps.Count);
    }

    [Fact]
    public void Del_tidies_the_rules_whose_source_is_one_of_the_addresses_of_the_table_when_fixed()
    {
        var rules = new[] { RuleTo(100, "10.1.0.2/32"), RuleTo(101, "fd01::2/128"), RuleTo(102, "10.9.0.2/32"), RuleTo(254), RuleTo(500, "10.1.0.2/32") };
        var addresses = new[] { IpText.Parse("10.1.0.2"), IpText.Parse("fd01::2") };
        Assert.Equal([100, 101, 500], SbrRouting.RulesToTidy(rules, addresses, null).Select(r => r.Table));
        Assert.Equal([500], SbrRouting.RulesToTidy(rules, addresses, 500).Select(r => r.Table));
    }
}
