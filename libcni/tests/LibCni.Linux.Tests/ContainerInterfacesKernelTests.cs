using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace LibCni.Linux.Tests;

/// <summary>The shared container-interface layer against the real kernel, run on a thread inside a throwaway host netns.</summary>
[Trait("Tier", "Privileged")]
public class ContainerInterfacesKernelTests
{
    [Fact]
    public void Veth_peer_is_created_directly_in_the_host_and_delete_removes_both_ends_once()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        var (hostVeth, containerVeth) = NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().CreateVeth(ctr.Path, "eth5", 1300, null));
        Assert.Equal("eth5", containerVeth.Name);
        Assert.Matches("^veth[0-9a-f]{8}$", hostVeth.Name);
        Assert.Contains(hostVeth.Name, host.Ip("-br", "link"), StringComparison.Ordinal);
        Assert.Contains("mtu 1300", ctr.Ip("link", "show", "eth5"), StringComparison.Ordinal);

        ctr.Ip("addr", "add", "10.5.0.9/24", "dev", "eth5");
        NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().DeleteLink(ctr.Path, "eth5"));
        Assert.DoesNotContain("eth5", ctr.Ip("-br", "link"), StringComparison.Ordinal);
        Assert.DoesNotContain(hostVeth.Name, host.Ip("-br", "link"), StringComparison.Ordinal);

        // Already gone: success.
        NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().DeleteLink(ctr.Path, "eth5"));
    }

    [Fact]
    public void Container_addressing_with_routes_extras_reaches_the_kernel()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        NetNamespace.Run(host.Path, () =>
        {
            var kernel = new KernelContainerInterfaces();
            kernel.CreateVeth(ctr.Path, "eth0", 0, null);
            kernel.Configure(ctr.Path, "eth0", new InterfaceAddressing(
                [new IpConfig100 { Address = CidrAddress.Parse("10.8.0.2/24"), Gateway = IpText.Parse("10.8.0.1") },
                 new IpConfig100 { Address = CidrAddress.Parse("fd08::2/64"), Gateway = IpText.Parse("fd08::1") }],
                [new Route { Dst = CidrAddress.Parse("0.0.0.0/0") },
                 new Route { Dst = CidrAddress.Parse("10.50.0.0/16"), Gw = IpText.Parse("10.8.0.254"), Mtu = 1300, AdvMss = 1260, Priority = 7 },
                 new Route { Dst = CidrAddress.Parse("::/0") }],
                EnableDad: false, Announce: true));
        });
        var routes = ctr.Ip("route");
        Assert.Contains("default via 10.8.0.1 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("10.50.0.0/16 via 10.8.0.254 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("metric 7 mtu 1300 advmss 1260", routes, StringComparison.Ordinal);
        Assert.Contains("default via fd08::1 dev eth0", ctr.Ip("-6", "route"), StringComparison.Ordinal);
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", ctr.Name, "cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify").Trim());
        Assert.DoesNotContain("tentative", ctr.Ip("-6", "addr", "show", "eth0"), StringComparison.Ordinal);
    }

    [Fact]
    public void Validators_accept_what_configure_made_and_name_what_is_missing()
    {
        using var host = TestNetns.Create("cnihost");
        using var ctr = TestNetns.Create("cnictr");
        var ips = new[] { new IpConfig100 { Address = CidrAddress.Parse("10.9.0.2/24"), Gateway = IpText.Parse("10.9.0.1") } };
        var routes = new[] { new Route { Dst = CidrAddress.Parse("0.0.0.0/0") }, new Route { Dst = CidrAddress.Parse("10.60.0.0/16"), Gw = IpText.Parse("10.9.0.1") } };
        var state = NetNamespace.Run(host.Path, () =>
        {
            var kernel = new KernelContainerInterfaces();
            kernel.CreateVeth(ctr.Path, "eth0", 0, null);
            kernel.Configure(ctr.Path, "eth0", new InterfaceAddressing(ips, routes));
            return kernel.Inspect(ctr.Path, "eth0")!;
        });
        Assert.Equal("veth", state.Kind);
        Assert.True(state.IsUp);
        InterfaceValidators.ExpectAddresses("eth0", ips, state);
        InterfaceValidators.ExpectRoutes(routes, state);

        ctr.Ip("route", "del", "10.60.0.0/16");
        var afterDelete = NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().Inspect(ctr.Path, "eth0")!);
        var e = Assert.Throws<CniException>(() => InterfaceValidators.ExpectRoutes(routes, afterDelete));
        Assert.Equal("Expected Route 10.60.0.0/16 via 10.9.0.1 not found in routing table", e.Message);
        ctr.Ip("addr", "flush", "dev", "eth0");
        var flushed = NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().Inspect(ctr.Path, "eth0")!);
        Assert.Equal("Failed to match addr 10.9.0.2/24 on interface eth0", Assert.Throws<CniException>(() => InterfaceValidators.ExpectAddresses("eth0", ips, flushed)).Message);
    }

    [Fact]
    public void Forwarding_is_switched_on_in_the_calling_netns_only()
    {
        using var host = TestNetns.Create("cnihost");
        NetNamespace.Run(host.Path, () => new KernelContainerInterfaces().EnableForwarding(true, true));
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", host.Name, "cat", "/proc/sys/net/ipv4/ip_forward").Trim());
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", host.Name, "cat", "/proc/sys/net/ipv6/conf/all/forwarding").Trim());
    }

    [Fact]
    public void Rules_and_routes_by_table_round_trip_through_the_kernel()
    {
        using var host = TestNetns.Create("cnihost");
        host.Ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0p");
        host.Ip("link", "set", "eth0", "up");
        host.Ip("addr", "add", "10.1.0.5/24", "dev", "eth0");
        NetNamespace.Run(host.Path, () =>
        {
            using var rtnl = NetNamespace.OpenRtnl();
            var eth0 = rtnl.GetLink("eth0")!.Index;
            var rule = new LibCni.Netlink.Route.RuleSpec { Source = CidrAddress.Parse("10.1.0.5/32"), Priority = 30000, Table = 100 };
            rtnl.AddRule(rule);
            rtnl.ReplaceRoute(new LibCni.Netlink.Route.RouteSpec { Destination = CidrAddress.Parse("0.0.0.0/0"), Gateway = IpText.Parse("10.1.0.1"), OutputIndex = eth0, Table = 100 });
            var listed = rtnl.ListRules(LibCni.Netlink.Route.AddressFamily.Inet).Single(r => r.Priority == 30000);
            Assert.Equal(rule, listed with { InputInterface = null, OutputInterface = null });
            Assert.Single(rtnl.ListRoutes(LibCni.Netlink.Route.AddressFamily.Inet, 100, eth0));
            rtnl.DeleteRoute(new LibCni.Netlink.Route.RouteSpec { Destination = CidrAddress.Parse("10.1.0.0/24"), OutputIndex = eth0 });
            rtnl.DeleteRule(rule);
            rtnl.DeleteRule(rule);
        });
        Assert.DoesNotContain("30000", host.Ip("rule"), StringComparison.Ordinal);
        Assert.Contains("default via 10.1.0.1 dev eth0", host.Ip("route", "show", "table", "100"), StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.0.0/24", host.Ip("route"), StringComparison.Ordinal);
    }
}
