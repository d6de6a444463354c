using LibCni.Netlink.Route;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

/// <summary>
/// Every rtnetlink request builder against the bytes iproute2 6.1 sends for the same operation.
/// Captured inside scripts/in-private-netns with
///   strace -f -e trace=sendmsg -e write=3 -s 65535 ip ...
/// where cnitbr had ifindex 2 and cnitv2 ifindex 6; "netns other" was fd 4. Sequence and port ID zeroed.
/// The netlink client adds NLM_F_REQUEST|NLM_F_ACK itself, so builders are finished with those flags here.
/// </summary>
public class RtnlRequestsTests
{
    private static string Bytes(LibCni.Netlink.NetlinkMessageWriter writer)
    {
        writer.Flags |= LibCni.Netlink.Nlmsg.FRequest | LibCni.Netlink.Nlmsg.FAck;
        return Convert.ToHexString(writer.Finish(0)).ToLowerInvariant();
    }

    private static string Hex(string capture) => capture.Replace(" ", "", StringComparison.Ordinal);

    // ip link add cnitbr2 mtu 1400 type bridge vlan_filtering 1
    [Fact]
    public void New_bridge_with_vlan_filtering() => Assert.Equal(Hex(
        "50000000100005060000000000000000 00000000000000000000000000000000 0800040078050000 0c000300636e6974 62723200 1c001200 0a00010062726964 67650000 0c000200 05000700 01000000"),
        Bytes(RtnlRequests.NewBridge("cnitbr2", 1400, vlanFiltering: true)));

    // ip link add cnitv0 mtu 1450 address 0a:58:0a:00:00:02 type veth peer name cnitv1 mtu 1450 netns other
    [Fact]
    public void New_veth_with_peer_in_another_netns() => Assert.Equal(Hex(
        "80000000100005060000000000000000 00000000000000000000000000000000 08000400aa050000 0a0001000a580a00 00020000 0b000300636e69747630 0000" +
        "40001200 0800010076657468 34000200 30000100 00000000000000000000000000000000 08000400aa050000 08001c0004000000 0b000300636e69747631 0000"),
        Bytes(RtnlRequests.NewVeth("cnitv0", "cnitv1", 1450, [0x0a, 0x58, 0x0a, 0, 0, 2], 4)));

    // ip link add cnitv2 type veth peer name cnitv3
    [Fact]
    public void New_veth_plain() => Assert.Equal(Hex(
        "5c000000100005060000000000000000 00000000000000000000000000000000 0b000300636e69747632 0000 30001200 0800010076657468 24000200 20000100" +
        " 00000000000000000000000000000000 0b000300636e69747633 0000"),
        Bytes(RtnlRequests.NewVeth("cnitv2", "cnitv3", 0, null, null)));

    // ip link set dev cnitv2 master cnitbr
    [Fact]
    public void Set_master() => Assert.Equal(Hex(
        "28000000100005000000000000000000 00000000060000000000000000000000 08000a0002000000"),
        Bytes(RtnlRequests.SetMaster(6, 2)));

    // ip link set dev cnitv2 mtu 1300
    [Fact]
    public void Set_mtu() => Assert.Equal(Hex(
        "28000000100005000000000000000000 00000000060000000000000000000000 0800040014050000"),
        Bytes(RtnlRequests.SetMtu(6, 1300)));

    // ip link set dev cnitv2 address 0a:58:0a:00:00:09
    [Fact]
    public void Set_hardware_address() => Assert.Equal(Hex(
        "2c000000100005000000000000000000 00000000060000000000000000000000 0a0001000a580a0000090000"),
        Bytes(RtnlRequests.SetHardwareAddress(6, [0x0a, 0x58, 0x0a, 0, 0, 9])));

    // ip link set dev cnitbr promisc on
    [Fact]
    public void Set_promiscuous() => Assert.Equal(Hex(
        "20000000100005000000000000000000 00000000020000000001000000010000"),
        Bytes(RtnlRequests.SetFlag(2, Iff.Promisc, true)));

    // ip link set dev cnitv2 txqueuelen 500 (cnitv2 had ifindex 4 in this capture)
    [Fact]
    public void Set_tx_queue_length() => Assert.Equal(Hex(
        "28000000100005000000000000000000 00000000040000000000000000000000 08000d00f4010000"),
        Bytes(RtnlRequests.SetTxQueueLength(4, 500)));

    // ip link set dev cnitv2 allmulticast on (ifindex 4)
    [Fact]
    public void Set_all_multicast() => Assert.Equal(Hex(
        "20000000100005000000000000000000 00000000040000000002000000020000"),
        Bytes(RtnlRequests.SetFlag(4, Iff.AllMulti, true)));

    // ip link set dev cnitv2 type bridge_slave hairpin on isolated on
    [Fact]
    public void Set_bridge_port_hairpin_and_isolated() => Assert.Equal(Hex(
        "48000000100005000000000000000000 00000000060000000000000000000000 28001200 10000100 6272696467655f736c617665 14000500 0500040001000000 0500210001000000"),
        Bytes(RtnlRequests.SetBridgePort(6, hairpin: true, isolated: true)));

    // bridge vlan add dev cnitv2 vid 10 pvid untagged
    [Fact]
    public void Bridge_vlan_add_pvid_untagged() => Assert.Equal(Hex(
        "2c000000130005000000000000000000 07000000060000000000000000000000 0c001a00 08000200 06000a00"),
        Bytes(RtnlRequests.BridgeVlan(6, add: true, 10, 10, pvid: true, untagged: true)));

    // bridge vlan add dev cnitv2 vid 20-30
    [Fact]
    public void Bridge_vlan_add_range() => Assert.Equal(Hex(
        "34000000130005000000000000000000 07000000060000000000000000000000 14001a00 08000200 08001400 08000200 10001e00"),
        Bytes(RtnlRequests.BridgeVlan(6, add: true, 20, 30, pvid: false, untagged: false)));

    // bridge vlan del dev cnitv2 vid 1
    [Fact]
    public void Bridge_vlan_del() => Assert.Equal(Hex(
        "2c000000110005000000000000000000 07000000060000000000000000000000 0c001a00 08000200 00000100"),
        Bytes(RtnlRequests.BridgeVlan(6, add: false, 1, 1, pvid: false, untagged: false)));

    // ip addr add 10.22.0.1/16 brd + dev cnitbr
    [Fact]
    public void New_ipv4_address_with_broadcast() => Assert.Equal(Hex(
        "30000000140005060000000000000000 0210000002000000 080002000a160001 080001000a160001 080004000a16ffff"),
        Bytes(RtnlRequests.NewAddress(2, CidrAddress.Parse("10.22.0.1/16"), noDad: false)));

    // ip addr add fd22::1/64 dev cnitbr nodad
    [Fact]
    public void New_ipv6_address_nodad() => Assert.Equal(Hex(
        "40000000140005060000000000000000 0a40020002000000 14000200fd220000000000000000000000000001 14000100fd220000000000000000000000000001"),
        Bytes(RtnlRequests.NewAddress(2, CidrAddress.Parse("fd22::1/64"), noDad: true)));

    // ip addr del 10.22.0.1/16 dev cnitbr
    [Fact]
    public void Delete_address() => Assert.Equal(Hex(
        "28000000150005000000000000000000 0210000002000000 080002000a160001 080001000a160001"),
        Bytes(RtnlRequests.DeleteAddress(2, CidrAddress.Parse("10.22.0.1/16"))));

    // ip route add 10.50.0.0/16 via 10.22.0.5 dev cnitbr proto boot metric 100 mtu 1400 advmss 1360 table 200
    // (ip sends NLM_F_EXCL too; we deliberately do not, see NewRoute: flags 0x0405 instead of 0x0605.)
    [Fact]
    public void New_route_with_all_extras() => Assert.Equal(Hex(
        "50000000180005040000000000000000 02100000c8030001 00000000 080001000a320000 080005000a160005 0800060064000000 0800040002000000" +
        " 14000800 0800020078050000 0800080050050000"),
        Bytes(RtnlRequests.NewRoute(new RouteSpec
        {
            Destination = CidrAddress.Parse("10.50.0.0/16"), Gateway = IpText.Parse("10.22.0.5"), OutputIndex = 2,
            Priority = 100, Mtu = 1400, AdvMss = 1360, Table = 200,
        })));

    // ip route add default via 10.22.0.5 dev cnitbr proto boot
    [Fact]
    public void New_default_route() => Assert.Equal(Hex(
        "2c000000180005040000000000000000 02000000fe030001 00000000 080005000a160005 0800040002000000"),
        Bytes(RtnlRequests.NewRoute(new RouteSpec { Destination = CidrAddress.Parse("0.0.0.0/0"), Gateway = IpText.Parse("10.22.0.5"), OutputIndex = 2 })));

    // ip route add 10.60.0.0/16 dev cnitbr scope link proto boot
    [Fact]
    public void New_link_scope_route() => Assert.Equal(Hex(
        "2c000000180005040000000000000000 02100000fe03fd01 00000000 080001000a3c0000 0800040002000000"),
        Bytes(RtnlRequests.NewRoute(new RouteSpec { Destination = CidrAddress.Parse("10.60.0.0/16"), OutputIndex = 2, Scope = Rta.ScopeLink })));

    // ip link del cnitv2
    [Fact]
    public void Delete_link() => Assert.Equal(Hex(
        "20000000110005000000000000000000 00000000060000000000000000000000"),
        Bytes(RtnlRequests.DeleteLink(6)));

    // ip route get 10.22.0.5 (iproute2 sends it without NLM_F_ACK: flags 0x0001; we ask for the ACK too)
    [Fact]
    public void Get_route() => Assert.Equal(Hex(
        "24000000 1a000500 00000000 00000000 02200000 00000000 00100000 080001000a160005"),
        Bytes(RtnlRequests.GetRoute(IpText.Parse("10.22.0.5"))));

    [Fact]
    public void Route_table_above_255_goes_in_rta_table()
    {
        var bytes = Bytes(RtnlRequests.NewRoute(new RouteSpec { Destination = CidrAddress.Parse("10.0.0.0/8"), Table = 1000 }));
        Assert.EndsWith(Hex("08000f00e8030000"), bytes, StringComparison.Ordinal);
        Assert.Equal("fc", bytes.Substring(32 + 8, 2));
    }

    // The captures below: scripts/in-private-netns, eth0 ifindex 3 (eth0p 2), iproute2 6.1.

    // ip rule add from 10.1.0.5/32 priority 30000 table 100
    [Fact]
    public void New_rule_from_an_address_to_a_table() => Assert.Equal(
        "2c000000200005060000000000000000020020006400000100000000080002000a0100050800060030750000",
        Bytes(RtnlRequests.NewRule(new RuleSpec { Source = CidrAddress.Parse("10.1.0.5/32"), Priority = 30000, Table = 100 })));

    // ip -6 rule add from fd00::5/128 table 300 (a table id above 255 goes in FRA_TABLE)
    [Fact]
    public void New_ipv6_rule_to_a_large_table() => Assert.Equal(
        "380000002000050600000000000000000a008000000000010000000014000200fd00000000000000000000000000000508000f002c010000",
        Bytes(RtnlRequests.NewRule(new RuleSpec { IsV4 = false, Source = CidrAddress.Parse("fd00::5/128"), Table = 300 })));

    // ip rule del from 10.1.0.5/32 priority 30000 table 100
    [Fact]
    public void Delete_rule() => Assert.Equal(
        "2c000000210005000000000000000000020020006400000000000000080002000a0100050800060030750000",
        Bytes(RtnlRequests.DeleteRule(new RuleSpec { Source = CidrAddress.Parse("10.1.0.5/32"), Priority = 30000, Table = 100 })));

    // ip route del 10.1.0.0/24 dev eth0 (protocol and type unset, scope nowhere: matches the kernel's connected route)
    [Fact]
    public void Delete_route_matches_any_protocol_and_scope() => Assert.Equal(
        "2c00000019000500000000000000000002180000fe00ff0000000000080001000a0100000800040003000000",
        Bytes(RtnlRequests.DeleteRoute(new RouteSpec { Destination = CidrAddress.Parse("10.1.0.0/24"), OutputIndex = 3 })));

    // ip route add 10.1.0.0/24 src 10.1.0.5 via 10.1.0.1 dev eth0; ip adds NLM_F_EXCL, ours creates without it
    [Fact]
    public void New_route_with_a_preferred_source() => Assert.Equal(
        "3c00000018000504000000000000000002180000fe03000100000000080001000a010000080007000a010005080005000a0100010800040003000000",
        Bytes(RtnlRequests.NewRoute(new RouteSpec { Destination = CidrAddress.Parse("10.1.0.0/24"), Source = IpText.Parse("10.1.0.5"), Gateway = IpText.Parse("10.1.0.1"), OutputIndex = 3 })));

    // ip route replace 10.2.0.0/24 via 10.1.0.1 dev eth0 table 100
    [Fact]
    public void Replace_route_in_a_table() => Assert.Equal(
        "34000000180005050000000000000000021800006403000100000000080001000a020000080005000a0100010800040003000000",
        Bytes(RtnlRequests.ReplaceRoute(new RouteSpec { Destination = CidrAddress.Parse("10.2.0.0/24"), Gateway = IpText.Parse("10.1.0.1"), OutputIndex = 3, Table = 100 })));

    // ip link set dev eth0p alias hello
    [Fact]
    public void Set_alias() => Assert.Equal("2c000000100005000000000000000000000000000200000000000000000000000900140068656c6c6f000000", Bytes(RtnlRequests.SetAlias(2, "hello")));
}
