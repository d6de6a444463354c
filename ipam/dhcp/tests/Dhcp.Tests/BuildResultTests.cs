using System.Net;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dhcp.Protocol;
using LibCni.Types;
using Xunit;

namespace Dhcp.Tests;

/// <summary>The IPAM result the daemon derives from a DHCPACK, as the reference's IPNet/Gateway/Routes do.</summary>
public sealed class BuildResultTests
{
    private static DhcpPacket Ack(params (byte Code, byte[] Value)[] options)
    {
        var ack = new DhcpPacket { Op = 2, YourIp = IPAddress.Parse("192.168.1.50") };
        ack.SetOption(DhcpOption.MessageType, [(byte)DhcpMessageType.Ack]);
        foreach (var (code, value) in options)
        {
            ack.SetOption(code, value);
        }

        return ack;
    }

    private static readonly (byte, byte[]) Mask24 = (DhcpOption.SubnetMask, [255, 255, 255, 0]);
    private static readonly (byte, byte[]) Router = (DhcpOption.Router, [192, 168, 1, 1, 192, 168, 1, 2]);

    private static string[] Routes(Result100 result) => [.. (result.Routes ?? []).Select(r => $"{r.Dst} via {r.Gw?.ToString() ?? "-"}")];

    [Fact]
    public void The_mask_gives_the_prefix_and_no_router_means_no_gateway_or_routes()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24), 0);
        var ip = Assert.Single(result.Ips!);
        Assert.Equal("192.168.1.50/24", ip.Address.ToString());
        Assert.Null(ip.Gateway);
        Assert.Null(ip.Interface);
        Assert.Null(result.Routes);
        Assert.Null(result.Dns);
    }

    [Fact]
    public void No_subnet_mask_is_the_references_error()
    {
        var error = Assert.Throws<CniException>(() => DhcpLease.BuildResult(Ack(Router), 0));
        Assert.Equal("DHCP option Subnet Mask not found in DHCPACK", error.Message);
    }

    [Fact]
    public void A_non_contiguous_mask_is_treated_as_missing()
    {
        Assert.Throws<CniException>(() => DhcpLease.BuildResult(Ack((DhcpOption.SubnetMask, [255, 0, 255, 0])), 0));
    }

    [Fact]
    public void The_first_router_is_the_gateway_and_a_default_route()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, Router), 0);
        Assert.Equal(IPAddress.Parse("192.168.1.1"), result.Ips![0].Gateway);
        Assert.Equal(["0.0.0.0/0 via 192.168.1.1"], Routes(result));
    }

    [Fact]
    public void Static_routes_come_first_then_the_default_route()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, Router, (DhcpOption.StaticRoutes, [10, 0, 0, 0, 192, 168, 1, 254])), 0);
        Assert.Equal(["10.0.0.0/8 via 192.168.1.254", "0.0.0.0/0 via 192.168.1.1"], Routes(result));
    }

    [Fact]
    public void Classless_routes_replace_the_router_and_static_routes_rfc_3442()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, Router,
            (DhcpOption.StaticRoutes, [10, 0, 0, 0, 192, 168, 1, 254]),
            (DhcpOption.ClasslessRoutes, [0, 192, 168, 1, 3, 16, 172, 16, 192, 168, 1, 4])), 0);
        Assert.Equal(["0.0.0.0/0 via 192.168.1.3", "172.16.0.0/16 via 192.168.1.4"], Routes(result));
        Assert.All(result.Routes!, r => Assert.Null(r.Scope));

        // The address's gateway is still option 3's, as in the reference (Gateway() reads only the router).
        Assert.Equal(IPAddress.Parse("192.168.1.1"), result.Ips![0].Gateway);
    }

    [Fact]
    public void A_classless_route_without_a_router_is_link_scoped()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, (DhcpOption.ClasslessRoutes, [24, 10, 9, 8, 0, 0, 0, 0])), 0);
        var route = Assert.Single(result.Routes!);
        Assert.Equal("10.9.8.0/24", route.Dst.ToString());
        Assert.Equal(253, route.Scope);
    }

    [Fact]
    public void A_malformed_classless_option_falls_back_to_the_router()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, Router, (DhcpOption.ClasslessRoutes, [40, 1, 2])), 0);
        Assert.Equal(["0.0.0.0/0 via 192.168.1.1"], Routes(result));
    }

    [Fact]
    public void The_priority_is_set_on_every_route()
    {
        var result = DhcpLease.BuildResult(Ack(Mask24, Router, (DhcpOption.StaticRoutes, [10, 0, 0, 0, 192, 168, 1, 254])), 100);
        Assert.Equal([100, 100], result.Routes!.Select(r => r.Priority));
    }

    [Fact]
    public void A_zero_priority_leaves_routes_without_one()
    {
        Assert.Equal(0, Assert.Single(DhcpLease.BuildResult(Ack(Mask24, Router), 0).Routes!).Priority);
    }
}
