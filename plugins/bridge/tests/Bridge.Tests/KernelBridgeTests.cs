using CniPlugins.Bridge;
using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Bridge.Tests;

/// <summary>KernelBridge's primitives against the real kernel, run on a thread inside a throwaway host netns.</summary>
[Trait("Tier", "Privileged")]
public class KernelBridgeTests
{
    [Fact]
    public void Concurrent_ensure_bridge_calls_all_get_the_same_bridge()
    {
        using var host = TestNetns.Create("cnihost");
        var indexes = Enumerable.Range(0, 6).AsParallel().WithDegreeOfParallelism(6)
            .Select(_ => NetNamespace.Run(host.Path, () => new KernelBridge(new KernelContainerInterfaces()).EnsureBridge("cnirace0", 0, false, false, pinMac: false).Index))
            .ToList();
        Assert.Single(indexes.Distinct());
        Assert.Contains("cnirace0", host.Ip("-br", "link", "show", "type", "bridge"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_bridge_refuses_a_non_bridge_with_that_name()
    {
        using var host = TestNetns.Create("cnihost");
        host.Ip("link", "add", "cninotbr", "type", "veth", "peer", "name", "cninotbr1");
        var e = Assert.Throws<CniException>(() => NetNamespace.Run(host.Path, () => new KernelBridge(new KernelContainerInterfaces()).EnsureBridge("cninotbr", 0, false, false, pinMac: false)));
        Assert.Equal("\"cninotbr\" already exists but is not a bridge", e.Message);
    }

    [Fact]
    public void Gateway_address_is_idempotent_and_replaced_only_when_forced()
    {
        using var host = TestNetns.Create("cnihost");
        NetNamespace.Run(host.Path, () =>
        {
            var kernel = new KernelBridge(new KernelContainerInterfaces());
            var bridge = kernel.EnsureBridge("cnigw0", 0, false, false, pinMac: true);
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("10.6.0.1/24"), false);
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("10.6.0.1/24"), false);
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("fd06::1/64"), false);
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("fd07::1/64"), false);
            Assert.Throws<CniException>(() => kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("10.7.0.1/24"), false));
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("10.7.0.1/24"), true);
        });
        var addresses = host.Ip("-br", "addr", "show", "cnigw0");
        Assert.Contains("10.7.0.1/24", addresses, StringComparison.Ordinal);
        Assert.DoesNotContain("10.6.0.1/24", addresses, StringComparison.Ordinal);
        Assert.Contains("fd06::1/64", addresses, StringComparison.Ordinal);
        Assert.Contains("fd07::1/64", addresses, StringComparison.Ordinal);
    }

    [Fact]
    public void Dotted_interface_names_get_their_sysctls_written_to_their_own_path()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        NetNamespace.Run(host.Path, () =>
        {
            var links = new KernelContainerInterfaces();
            new KernelBridge(links).EnsureBridge("br.0", 0, false, false, pinMac: false);
            links.CreateVeth(ctr.Path, "eth0.1", 0, null);
            links.Configure(ctr.Path, "eth0.1", new InterfaceAddressing(
                [new IpConfig100 { Address = CidrAddress.Parse("fd09::2/64") }], [], EnableDad: false));
        });
        Assert.Equal("0", Shell.Run("ip", "netns", "exec", host.Name, "cat", "/proc/sys/net/ipv6/conf/br.0/accept_ra").Trim());
        Assert.Equal("0", Shell.Run("ip", "netns", "exec", ctr.Name, "cat", "/proc/sys/net/ipv6/conf/eth0.1/disable_ipv6").Trim());
        Assert.Contains("fd09::2/64", ctr.Ip("-6", "addr", "show", "eth0.1"), StringComparison.Ordinal);
    }

    private static string MacOf(TestNetns host, string link) =>
        System.Text.Json.JsonDocument.Parse(host.Ip("-j", "link", "show", link)).RootElement[0].GetProperty("address").GetString()!;

    private static string AddrAssignType(TestNetns host, string link) =>
        Shell.Run("ip", "netns", "exec", host.Name, "cat", $"/sys/class/net/{link}/addr_assign_type").Trim();

    private static readonly PortSettings PlainPort = new(false, false, 0, [], false);

    [Fact]
    public void Pinned_bridge_keeps_its_mac_as_ports_join_and_leave()
    {
        using var host = TestNetns.Create("cnihost");
        using var a = TestNetns.Create("cnictr");
        using var b = TestNetns.Create("cnictr");
        var bridge = NetNamespace.Run(host.Path, () =>
        {
            var links = new KernelContainerInterfaces();
            var kernel = new KernelBridge(links);
            var bridge = kernel.EnsureBridge("cnipin0", 0, false, false, pinMac: true);
            foreach (var ctr in new[] { a, b })
            {
                kernel.AttachPort(links.CreateVeth(ctr.Path, "eth0", 0, null).Host, bridge, PlainPort);
            }

            return bridge;
        });
        Assert.Equal("3", AddrAssignType(host, "cnipin0"));
        Assert.Equal(bridge.Mac, MacOf(host, "cnipin0"));
        a.Ip("link", "del", "eth0");
        Assert.Equal(bridge.Mac, MacOf(host, "cnipin0"));
    }

    /// <summary>The kernel rule the pin is for, and what an L2 bridge (never pinned, as in the reference) lives with.</summary>
    [Fact]
    public void Unpinned_bridge_takes_the_mac_of_its_lowest_port()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        var port = NetNamespace.Run(host.Path, () =>
        {
            var links = new KernelContainerInterfaces();
            var kernel = new KernelBridge(links);
            var bridge = kernel.EnsureBridge("cninopin0", 0, false, false, pinMac: false);
            var port = links.CreateVeth(ctr.Path, "eth0", 0, null).Host;
            kernel.AttachPort(port, bridge, PlainPort);
            return port;
        });
        Assert.NotEqual("3", AddrAssignType(host, "cninopin0"));
        Assert.Equal(port.Mac, MacOf(host, "cninopin0"));
    }

    [Fact]
    public void Gateway_address_pins_the_mac_read_before_the_port_joined()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        var (before, port) = NetNamespace.Run(host.Path, () =>
        {
            var links = new KernelContainerInterfaces();
            var kernel = new KernelBridge(links);
            var bridge = kernel.EnsureBridge("cnigwpin0", 0, false, false, pinMac: false);
            var port = links.CreateVeth(ctr.Path, "eth0", 0, null).Host;
            kernel.AttachPort(port, bridge, PlainPort);
            kernel.EnsureGatewayAddress(bridge, CidrAddress.Parse("10.6.0.1/24"), false);
            return (bridge, port);
        });
        Assert.NotEqual(port.Mac, before.Mac);
        Assert.Equal(before.Mac, MacOf(host, "cnigwpin0"));
        Assert.Equal("3", AddrAssignType(host, "cnigwpin0"));
    }
}
