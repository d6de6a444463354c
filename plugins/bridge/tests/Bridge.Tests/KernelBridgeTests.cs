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
            .Select(_ => NetNamespace.Run(host.Path, () => new KernelBridge(new KernelContainerInterfaces()).EnsureBridge("cnirace0", 0, false, false).Index))
            .ToList();
        Assert.Single(indexes.Distinct());
        Assert.Contains("cnirace0", host.Ip("-br", "link", "show", "type", "bridge"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_bridge_refuses_a_non_bridge_with_that_name()
    {
        using var host = TestNetns.Create("cnihost");
        host.Ip("link", "add", "cninotbr", "type", "veth", "peer", "name", "cninotbr1");
        var e = Assert.Throws<CniException>(() => NetNamespace.Run(host.Path, () => new KernelBridge(new KernelContainerInterfaces()).EnsureBridge("cninotbr", 0, false, false)));
        Assert.Equal("\"cninotbr\" already exists but is not a bridge", e.Message);
    }

    [Fact]
    public void Gateway_address_is_idempotent_and_replaced_only_when_forced()
    {
        using var host = TestNetns.Create("cnihost");
        NetNamespace.Run(host.Path, () =>
        {
            var kernel = new KernelBridge(new KernelContainerInterfaces());
            var bridge = kernel.EnsureBridge("cnigw0", 0, false, false);
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
            new KernelBridge(links).EnsureBridge("br.0", 0, false, false);
            links.CreateVeth(ctr.Path, "eth0.1", 0, null);
            links.Configure(ctr.Path, "eth0.1", new InterfaceAddressing(
                [new IpConfig100 { Address = CidrAddress.Parse("fd09::2/64") }], [], EnableDad: false));
        });
        Assert.Equal("0", Shell.Run("ip", "netns", "exec", host.Name, "cat", "/proc/sys/net/ipv6/conf/br.0/accept_ra").Trim());
        Assert.Equal("0", Shell.Run("ip", "netns", "exec", ctr.Name, "cat", "/proc/sys/net/ipv6/conf/eth0.1/disable_ipv6").Trim());
        Assert.Contains("fd09::2/64", ctr.Ip("-6", "addr", "show", "eth0.1"), StringComparison.Ordinal);
    }
}
