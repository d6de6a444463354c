using System.Text;
using CniPlugins.Bridge;
using LibCni.Config;
using LibCni.Types;
using Xunit;

namespace Bridge.Tests;

public class BridgeConfigTests
{
    private static BridgeConfig Parse(string extra, string cniArgs = "") =>
        BridgeConfig.Parse(Encoding.UTF8.GetBytes($$"""{"cniVersion":"1.0.0","name":"net1","type":"bridge"{{extra}}}"""), CniArgs.Parse(cniArgs));

    private static CniException Fails(string extra, string cniArgs = "") => Assert.Throws<CniException>(() => Parse(extra, cniArgs));

    [Fact]
    public void Defaults_match_the_reference()
    {
        var c = Parse("");
        Assert.Equal("cni0", c.BridgeName);
        Assert.False(c.IsGateway);
        Assert.False(c.IsLayer3);
        Assert.False(c.PreserveDefaultVlan);
        Assert.Null(c.MasqBackend);
        Assert.Null(c.Mac);
    }

    [Fact]
    public void Default_gateway_implies_gateway() => Assert.True(Parse(""","isDefaultGateway":true""").IsGateway);

    [Theory]
    [InlineData(""","vlan":-1""", "invalid VLAN ID -1 (must be between 0 and 4094)")]
    [InlineData(""","vlan":4095""", "invalid VLAN ID 4095 (must be between 0 and 4094)")]
    [InlineData(""","vlanTrunk":[{"minID":0,"maxID":5}]""", "incorrect trunk minID parameter")]
    [InlineData(""","vlanTrunk":[{"minID":5,"maxID":5000}]""", "incorrect trunk maxID parameter")]
    [InlineData(""","vlanTrunk":[{"minID":9,"maxID":5}]""", "minID is greater than maxID in trunk parameter")]
    [InlineData(""","vlanTrunk":[{"maxID":5}]""", "minID and maxID should be configured simultaneously, minID is missing")]
    [InlineData(""","vlanTrunk":[{"minID":5}]""", "minID and maxID should be configured simultaneously, maxID is missing")]
    [InlineData(""","vlanTrunk":[{"id":0}]""", "incorrect trunk id parameter")]
    [InlineData(""","hairpinMode":true,"promiscMode":true""", "cannot set hairpin mode and promiscuous mode at the same time")]
    [InlineData(""","disableContainerInterface":true,"ipam":{"type":"host-local"}""", "cannot use IPAM when DisableContainerInterface flag is set")]
    [InlineData(",\"ipMasqBackend\":\"ebtables\"", "unknown ipmasq backend \"ebtables\"")]
    [InlineData(",\"bridge\":\"a-very-long-bridge-name\"", "invalid bridge name \"a-very-long-bridge-name\"")]
    public void Invalid_configs_are_rejected_with_the_reference_message(string extra, string message)
    {
        var e = Fails(extra);
        Assert.Equal(message, e.Message);
        Assert.NotNull(e.Details);
    }

    [Theory]
    [InlineData(",\"portIsolation\":\"true\"", "failed to load netconf: portIsolation: expected a boolean, got string \"true\"")]
    [InlineData(""","vlanTrunk":[{"minID":"5","maxID":6}]""", "failed to load netconf: vlanTrunk[0].minID: expected an integer, got string \"5\"")]
    [InlineData(""","vlanTrunk":{"id":5}""", "failed to load netconf: vlanTrunk: expected an array, got object {\"id\":5}")]
    [InlineData(""","mtu":1500.5""", "failed to load netconf: mtu: expected an integer, got number 1500.5")]
    public void A_value_of_the_wrong_type_is_code_2_naming_its_path_and_value(string extra, string message)
    {
        var e = Fails(extra);
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Keys_match_as_go_matches_them_and_null_leaves_the_default()
    {
        var c = Parse(""","BRIDGE":"br-a","Bridge":"br-b","isGateway":null,"MTU":1400""");
        Assert.Equal("br-b", c.BridgeName);
        Assert.False(c.IsGateway);
        Assert.Equal(1400, c.Mtu);
    }

    [Fact]
    public void Vlan_and_trunk_together_are_a_trunk_with_a_native_vlan()
    {
        var c = Parse(""","vlan":5,"vlanTrunk":[{"id":6}]""");
        Assert.Equal(5, c.Vlan);
        Assert.Equal([6], c.TrunkVlans);
        Assert.True(c.VlanFiltering);
    }

    [Fact]
    public void Trunk_is_merged_sorted_and_deduplicated() =>
        Assert.Equal([2, 3, 4, 5, 9], Parse(""","vlanTrunk":[{"id":9},{"minID":3,"maxID":5},{"id":2},{"id":4}]""").TrunkVlans);

    [Fact]
    public void Mac_precedence_is_args_env_then_args_cni_then_runtime_config()
    {
        Assert.Equal("0a580a000001", Convert.ToHexString(Parse("", "MAC=0a:58:0a:00:00:01").Mac!).ToLowerInvariant());
        Assert.Equal("0a580a000002", Convert.ToHexString(Parse(""","args":{"cni":{"mac":"0a:58:0a:00:00:02"}}""", "MAC=0a:58:0a:00:00:01").Mac!).ToLowerInvariant());
        Assert.Equal("0a580a000003", Convert.ToHexString(Parse(""","args":{"cni":{"mac":"0a:58:0a:00:00:02"}},"runtimeConfig":{"mac":"0a:58:0a:00:00:03"}""", "MAC=0a:58:0a:00:00:01").Mac!).ToLowerInvariant());
    }

    [Theory]
    [InlineData("0a:58:0a:00:00:01")]
    [InlineData("0A:58:0A:00:00:01")]
    [InlineData("0a-58-0a-00-00-01")]
    [InlineData("0a58.0a00.0001")]
    public void Mac_is_read_in_every_six_octet_form_of_go_parse_mac(string mac) =>
        Assert.Equal("0a580a000001", Convert.ToHexString(Parse($$""","runtimeConfig":{"mac":"{{mac}}"}""").Mac!).ToLowerInvariant());

    [Theory]
    [InlineData("02:00:5e:10:00:00:00:01", 8)]
    [InlineData("0200.5e10.0000.0001", 8)]
    [InlineData("00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", 20)]
    [InlineData("0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001", 20)]
    public void Longer_go_forms_parse_but_do_not_fit_a_veth(string mac, int octets)
    {
        Assert.True(MacAddress.TryParse(mac, out var parsed));
        Assert.Equal(octets, parsed.Length);
        Assert.Contains($"{octets}-octet", Fails($$""","runtimeConfig":{"mac":"{{mac}}"}""").Details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zz:58:0a:00:00:01")]
    [InlineData("0a:58:0a:00:00")]
    [InlineData("01:00:5e:00:00:01")]
    [InlineData("0a:58-0a:00:00:01")]
    [InlineData("0a58.0a00:0001")]
    [InlineData("0a58.0a00.001")]
    [InlineData("0a:58:0a:00:00:01:")]
    [InlineData("+a:58:0a:00:00:01")]
    public void Bad_mac_is_rejected(string mac) =>
        Assert.Equal($"invalid MAC address \"{mac}\"", Fails($$""","runtimeConfig":{"mac":"{{mac}}"}""").Message);

    [Fact]
    public void Unknown_cni_args_need_ignore_unknown()
    {
        Assert.Equal("ARGS: unknown args [K8S_POD_NAME]", Fails("", "K8S_POD_NAME=x").Message);
        Assert.Null(Parse("", "IgnoreUnknown=1;K8S_POD_NAME=x").Mac);
    }

    [Fact]
    public void Dns_only_when_set() => Assert.Equal(["10.0.0.53"], Parse(""","dns":{"nameservers":["10.0.0.53"]}""").Dns!.Nameservers);
}

public class GatewayPlannerTests
{
    private static BridgeConfig Config(bool gateway, bool defaultGateway) =>
        new() { NetworkName = "n", CniVersion = "1.0.0", IsGateway = gateway || defaultGateway, IsDefaultGateway = defaultGateway };

    private static Result100 Ipam(params string[] addresses) => new()
    {
        Ips = addresses.Select(a => new IpConfig100 { Address = CidrAddress.Parse(a) }).ToList(),
    };

    [Fact]
    public void Gateway_defaults_to_the_first_address_of_the_subnet_and_lands_on_the_bridge()
    {
        var result = Ipam("10.1.0.5/24", "fd00::5/64");
        var (v4, v6) = GatewayPlanner.Plan(result, Config(gateway: true, defaultGateway: false));
        Assert.Equal("10.1.0.1", result.Ips![0].Gateway!.ToString());
        Assert.Equal("fd00::1", result.Ips[1].Gateway!.ToString());
        Assert.All(result.Ips, ip => Assert.Equal(2, ip.Interface));
        Assert.Equal("10.1.0.1/24", Assert.Single(v4.Gateways).ToString());
        Assert.Equal("fd00::1/64", Assert.Single(v6.Gateways).ToString());
        Assert.Empty(result.Routes!);
    }

    [Fact]
    public void Without_gateway_nothing_is_filled_in()
    {
        var result = Ipam("10.1.0.5/24");
        var (v4, _) = GatewayPlanner.Plan(result, Config(false, false));
        Assert.Null(result.Ips![0].Gateway);
        Assert.Empty(v4.Gateways);
    }

    [Fact]
    public void Default_gateway_adds_one_default_route_per_family()
    {
        var result = Ipam("10.1.0.5/24", "10.2.0.5/24", "fd00::5/64");
        GatewayPlanner.Plan(result, Config(true, true));
        Assert.Equal(["0.0.0.0/0 via 10.1.0.1", "::/0 via fd00::1"], result.Routes!.Select(r => $"{r.Dst} via {r.Gw}"));
    }

    [Fact]
    public void An_ipam_default_route_with_a_gateway_wins()
    {
        var result = Ipam("10.1.0.5/24");
        result.Routes = [new Route { Dst = CidrAddress.Parse("0.0.0.0/0"), Gw = IpText.Parse("10.1.0.254") }];
        GatewayPlanner.Plan(result, Config(true, true));
        Assert.Single(result.Routes);
    }

    [Theory]
    [InlineData("10.1.0.1/24", "10.1.0.1/24", false)]
    [InlineData("10.9.0.1/24", "10.1.0.1/24", true)]
    [InlineData("fd01::1/64", "fd00::1/64", false)]
    [InlineData("fd00::9/64", "fd00::1/64", true)]
    [InlineData("10.9.0.1/24", "fd00::1/64", false)]
    public void Only_ipv4_or_overlapping_ipv6_addresses_conflict(string existing, string wanted, bool conflicts) =>
        Assert.Equal(conflicts, GatewayPlanner.Conflicts(CidrAddress.Parse(existing), CidrAddress.Parse(wanted)));

    [Fact]
    public void Vlan_ranges_fold_consecutive_ids() =>
        Assert.Equal([(2, 5), (9, 9), (11, 12)], KernelBridge.VlanRanges([2, 3, 4, 5, 9, 11, 12]));
}
