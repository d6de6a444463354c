using System.Text.Json;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Bridge.Tests;

/// <summary>
/// The bridge's VLAN configs (vlan, preserveDefaultVlan, vlanTrunk, a VLAN gateway) against a kernel with
/// CONFIG_BRIDGE_VLAN_FILTERING: the port VLANs as <c>bridge -j vlan show</c> reads them, traffic where the VLANs
/// decide it, and a DEL that leaves none of the attachment behind. Expected state is the reference's (v1.8+
/// setupVeth/ensureVlanInterface). They run in the second-kernel tier (<c>scripts/test-tiers.d/second-kernel</c>).
/// </summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public class BridgeVlanBinaryTests
{
    private const string PvidUntagged = "PVID,Egress Untagged";

    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void Vlan_makes_the_port_an_access_port_without_the_default_vlan()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","vlan":42""");
        var port = HostVeth(Added(h, conf, ctr, "v42"));

        Assert.Equal(1, Link(h, "cnibr0").GetProperty("linkinfo").GetProperty("info_data").GetProperty("vlan_filtering").GetInt32());
        Assert.Equal(new Dictionary<int, string> { [42] = PvidUntagged }, PortVlans(h, port));
        // The bridge itself keeps its default VLAN: no gateway, so nothing of VLAN 42 on it.
        Assert.Equal(new Dictionary<int, string> { [1] = PvidUntagged }, PortVlans(h, "cnibr0"));

        DelLeavesNothing(h, conf, ctr, "v42", port, "10.88.0.2");
    }

    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void PreserveDefaultVlan_keeps_vlan_1_tagged_beside_the_access_vlan()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","vlan":42,"preserveDefaultVlan":true""");
        var port = HostVeth(Added(h, conf, ctr, "keep1"));

        // VLAN 1 stays (still egress untagged), but the PVID moved to 42.
        Assert.Equal(new Dictionary<int, string> { [1] = "Egress Untagged", [42] = PvidUntagged }, PortVlans(h, port));

        var dropping = h.Conf("1.0.0", ""","vlan":42,"preserveDefaultVlan":false""");
        var other = h.Container();
        var port2 = HostVeth(Added(h, dropping, other, "drop1"));
        Assert.Equal(new Dictionary<int, string> { [42] = PvidUntagged }, PortVlans(h, port2));

        DelLeavesNothing(h, conf, ctr, "keep1", port, "10.88.0.2");
        DelLeavesNothing(h, dropping, other, "drop1", port2, "10.88.0.3");
    }

    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void Trunk_with_vlan_has_vlan_as_native_and_the_trunk_tagged()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","vlan":42,"vlanTrunk":[{"minID":100,"maxID":103},{"id":200},{"id":101},{"id":105}]""");
        var port = HostVeth(Added(h, conf, ctr, "trunk42"));

        var expected = new Dictionary<int, string> { [42] = PvidUntagged, [100] = "", [101] = "", [102] = "", [103] = "", [105] = "", [200] = "" };
        Assert.Equal(expected, PortVlans(h, port));

        DelLeavesNothing(h, conf, ctr, "trunk42", port, "10.88.0.2");
    }

    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void Trunk_alone_gets_vlan_1_as_native()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","vlanTrunk":[{"minID":10,"maxID":12},{"id":4094}]""");
        var port = HostVeth(Added(h, conf, ctr, "trunk"));

        Assert.Equal(1, Link(h, "cnibr0").GetProperty("linkinfo").GetProperty("info_data").GetProperty("vlan_filtering").GetInt32());
        var expected = new Dictionary<int, string> { [1] = PvidUntagged, [10] = "", [11] = "", [12] = "", [4094] = "" };
        Assert.Equal(expected, PortVlans(h, port));

        // preserveDefaultVlan changes nothing here: VLAN 1 is re-added as the native VLAN either way.
        var other = h.Container();
        var keep = h.Conf("1.0.0", ""","vlanTrunk":[{"id":10}],"preserveDefaultVlan":true""");
        var port2 = HostVeth(Added(h, keep, other, "trunk-keep"));
        Assert.Equal(new Dictionary<int, string> { [1] = PvidUntagged, [10] = "" }, PortVlans(h, port2));

        DelLeavesNothing(h, conf, ctr, "trunk", port, "10.88.0.2");
        DelLeavesNothing(h, keep, other, "trunk-keep", port2, "10.88.0.3");
    }

    /// <summary>Traffic proves the PVIDs: untagged frames from a container go out on its VLAN only.</summary>
    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void Containers_reach_each_other_only_within_their_vlan()
    {
        using var h = new BridgeHost();
        var a = h.Container();
        var b = h.Container();
        var c = h.Container();
        var on42 = h.Conf("1.0.0", ""","vlan":42""");
        var on43 = h.Conf("1.0.0", ""","vlan":43""");
        Assert.Equal("10.88.0.2/24", Address(Added(h, on42, a, "a42")));
        Assert.Equal("10.88.0.3/24", Address(Added(h, on42, b, "b42")));
        Assert.Equal("10.88.0.4/24", Address(Added(h, on43, c, "c43")));

        Assert.Equal(0, Ping(a, "10.88.0.3"));
        Assert.NotEqual(0, Ping(a, "10.88.0.4"));
        Assert.NotEqual(0, Ping(c, "10.88.0.2"));
    }

    /// <summary>
    /// A gateway on a VLAN: the bridge does not take the address; a veth <c>cnibr0.42</c> does, its peer a port of
    /// the bridge on VLAN 42 (PVID, untagged), so untagged container traffic on VLAN 42 reaches it. It outlives DEL.
    /// </summary>
    [KernelFact(KernelFeature.BridgeVlanFiltering)]
    public void Gateway_on_a_vlan_is_a_veth_port_of_the_bridge_on_that_vlan()
    {
        using var h = new BridgeHost();
        var ctr = h.Container();
        var conf = h.Conf("1.0.0", ""","vlan":42,"isGateway":true""");
        var add = Added(h, conf, ctr, "gw42");
        var port = HostVeth(add);
        var names = JsonDocument.Parse(add).RootElement.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(["cnibr0", port, "eth0", "cnibr0.42"], names);

        Assert.Contains("10.88.0.1/24", h.Host.Ip("-br", "addr", "show", "cnibr0.42"), StringComparison.Ordinal);
        Assert.DoesNotContain("10.88.0.1", h.Host.Ip("-br", "addr", "show", "cnibr0"), StringComparison.Ordinal);
        var gatewayPort = GatewayPort(h);
        Assert.Equal(new Dictionary<int, string> { [42] = PvidUntagged }, PortVlans(h, gatewayPort));
        Assert.Equal(new Dictionary<int, string> { [42] = PvidUntagged }, PortVlans(h, port));
        Assert.Contains("UP", h.Host.Ip("-br", "link", "show", "cnibr0.42"), StringComparison.Ordinal);
        Assert.Equal(0, Ping(ctr, "10.88.0.1"));

        var withPrev = conf[..^1] + $",\"prevResult\":{add}}}";
        Ok(h.Exec("CHECK", withPrev, ctr, "gw42"));

        // A second container reuses the gateway link.
        var other = h.Container();
        var port2 = HostVeth(Added(h, conf, other, "gw42b"));
        Assert.Equal(gatewayPort, GatewayPort(h));
        Assert.Equal(0, Ping(other, "10.88.0.1"));
        Assert.Equal(0, Ping(other, "10.88.0.2"));

        DelLeavesNothing(h, conf, ctr, "gw42", port, "10.88.0.2");
        DelLeavesNothing(h, conf, other, "gw42b", port2, "10.88.0.3");
        Assert.Contains("10.88.0.1/24", h.Host.Ip("-br", "addr", "show", "cnibr0.42"), StringComparison.Ordinal);
    }

    private static string Added(BridgeHost h, string conf, TestNetns ctr, string id)
    {
        var add = h.Exec("ADD", conf, ctr, id);
        Ok(add);
        return add.Stdout;
    }

    private static string HostVeth(string result) =>
        JsonDocument.Parse(result).RootElement.GetProperty("interfaces")[1].GetProperty("name").GetString()!;

    private static string Address(string result) =>
        JsonDocument.Parse(result).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!;

    private static JsonElement Link(BridgeHost h, string name) => h.HostJson("-d", "link", "show", name)[0];

    private static int Ping(TestNetns from, string to) =>
        Shell.Exec("ip", ["netns", "exec", from.Name, "ping", "-c1", "-W1", to], null, null).ExitCode;

    /// <summary>The bridge port that is the peer of the VLAN gateway veth <c>cnibr0.42</c>.</summary>
    private static string GatewayPort(BridgeHost h)
    {
        // iproute2 names a veth's peer in the same netns as "link".
        var peerName = Link(h, "cnibr0.42").GetProperty("link").GetString()!;
        Assert.Equal("cnibr0", Link(h, peerName).GetProperty("master").GetString());
        return peerName;
    }

    /// <summary><c>bridge -j vlan show dev X</c> in the host netns: each VLAN id with its flags, comma-joined.</summary>
    private static Dictionary<int, string> PortVlans(BridgeHost h, string dev)
    {
        var json = Shell.Run("ip", "netns", "exec", h.Host.Name, "bridge", "-j", "vlan", "show", "dev", dev);
        using var doc = JsonDocument.Parse(json);
        var vlans = new Dictionary<int, string>();
        foreach (var entry in doc.RootElement.EnumerateArray().Where(e => e.GetProperty("ifname").GetString() == dev))
        {
            foreach (var vlan in entry.GetProperty("vlans").EnumerateArray())
            {
                var flags = vlan.TryGetProperty("flags", out var f) ? string.Join(',', f.EnumerateArray().Select(x => x.GetString())) : "";
                var first = vlan.GetProperty("vlan").GetInt32();
                var last = vlan.TryGetProperty("vlanEnd", out var end) ? end.GetInt32() : first;
                for (var v = first; v <= last; v++)
                {
                    vlans[v] = flags;
                }
            }
        }

        return vlans;
    }

    /// <summary>DEL (twice: it is idempotent) removes the port, its VLANs, the container's eth0 and the address.</summary>
    private static void DelLeavesNothing(BridgeHost h, string conf, TestNetns ctr, string id, string port, string address)
    {
        Ok(h.Exec("DEL", conf, ctr, id));
        Ok(h.Exec("DEL", conf, ctr, id));
        Assert.DoesNotContain(port, h.Host.Ip("link"), StringComparison.Ordinal);
        var vlanPorts = Shell.Run("ip", "netns", "exec", h.Host.Name, "bridge", "-j", "vlan", "show");
        Assert.DoesNotContain($"\"{port}\"", vlanPorts, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Assert.False(File.Exists(Path.Combine(h.DataDir, "brnet", address)), $"{address} must be released");
    }
}
