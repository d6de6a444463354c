using CniPlugins.Bridge;
using Xunit;

namespace Bridge.Tests;

/// <summary>
/// The port's VLAN requests for each config shape (reference v1.8+ semantics), byte for byte against what
/// iproute2 6.1 sends for the same steps. Captured inside scripts/in-private-netns (cnitv2 had ifindex 4;
/// this kernel lacks CONFIG_BRIDGE_VLAN_FILTERING, so the kernel refuses them, but the bytes are what count) with
///   strace -e trace=sendmsg -e write=3 -s 65535 bridge vlan ...
/// Sequence numbers zeroed.
/// </summary>
public class VlanPlanTests
{
    // bridge vlan del dev cnitv2 vid 1
    private const string DelDefault = "2c000000110005000000000000000000070000000400000000000000000000000c001a000800020000000100";

    // bridge vlan add dev cnitv2 vid 10 pvid untagged
    private const string Native10 = "2c000000130005000000000000000000070000000400000000000000000000000c001a000800020006000a00";

    // bridge vlan add dev cnitv2 vid 20-30
    private const string Trunk20To30 = "340000001300050000000000000000000700000004000000000000000000000014001a0008000200080014000800020010001e00";

    // bridge vlan add dev cnitv2 vid 1 pvid untagged
    private const string Native1 = "2c000000130005000000000000000000070000000400000000000000000000000c001a000800020006000100";

    private static string[] Requests(int vlan, int[] trunk, bool preserve) =>
        KernelBridge.VlanRequests(4, new PortSettings(false, false, vlan, trunk, preserve))
            .Select(step =>
            {
                var writer = step.Request;
                writer.Flags |= LibCni.Netlink.Nlmsg.FRequest | LibCni.Netlink.Nlmsg.FAck;
                return Convert.ToHexString(writer.Finish(0)).ToLowerInvariant();
            })
            .ToArray();

    private static readonly int[] Trunk = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30];

    [Fact]
    public void Access_port_drops_the_default_vlan_and_gets_its_native_vlan() =>
        Assert.Equal([DelDefault, Native10], Requests(10, [], preserve: false));

    [Fact]
    public void Vlan_with_trunk_sets_the_trunks_native_vlan() =>
        Assert.Equal([DelDefault, Native10, Trunk20To30], Requests(10, Trunk, preserve: false));

    [Fact]
    public void Trunk_only_port_gets_vlan_1_as_native_even_without_preserve_default_vlan() =>
        Assert.Equal([DelDefault, Trunk20To30, Native1], Requests(0, Trunk, preserve: false));

    [Fact]
    public void Preserve_default_vlan_keeps_vlan_1() =>
        Assert.Equal([Native10], Requests(10, [], preserve: true));

    [Fact]
    public void No_vlan_config_changes_nothing() => Assert.Empty(Requests(0, [], preserve: false));
}
