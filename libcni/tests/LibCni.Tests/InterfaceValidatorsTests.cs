using LibCni.Interfaces;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

/// <summary>CHECK's address and route validators, on states as sbr and vrf leave them.</summary>
public class InterfaceValidatorsTests
{
    private static readonly IpConfig100 Address = new() { Address = CidrAddress.Parse("10.1.0.2/24"), Gateway = IpText.Parse("10.1.0.1") };
    private static readonly Route Default = new() { Dst = CidrAddress.Parse("0.0.0.0/0"), Gw = IpText.Parse("10.1.0.1") };

    private static ContainerLinkState Link(params RouteView[] routes) =>
        new("net1", 3, "02:00:00:00:00:01", "macvlan", 0, [CidrAddress.Parse("10.1.0.2/24")], routes);

    [Fact]
    public void Main_table_routes_pass()
    {
        var link = Link(new RouteView(CidrAddress.Parse("10.1.0.0/24"), null, 3), new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("10.1.0.1"), 3));
        InterfaceValidators.ExpectAddresses("net1", [Address], link);
        InterfaceValidators.ExpectRoutes([Default], link);
    }

    [Fact]
    public void Routes_of_this_interface_moved_to_another_table_pass()
    {
        var link = Link(new RouteView(CidrAddress.Parse("10.1.0.0/24"), null, 3, 100), new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("10.1.0.1"), 3, 100));
        InterfaceValidators.ExpectAddresses("net1", [Address], link);
        InterfaceValidators.ExpectRoutes([Default], link);
    }

    [Fact]
    public void Another_interface_s_table_or_the_local_table_do_not_count()
    {
        var elsewhere = Link(new RouteView(CidrAddress.Parse("10.1.0.0/24"), null, 4, 100), new RouteView(CidrAddress.Parse("0.0.0.0/0"), IpText.Parse("10.1.0.1"), 4, 100));
        Assert.Equal("Failed to find Gateway 10.1.0.1 for interface net1", Assert.Throws<CniException>(() => InterfaceValidators.ExpectAddresses("net1", [Address], elsewhere)).Message);
        Assert.Throws<CniException>(() => InterfaceValidators.ExpectRoutes([Default], elsewhere));
        var local = Link(new RouteView(CidrAddress.Parse("10.1.0.0/24"), null, 3, 255));
        Assert.Throws<CniException>(() => InterfaceValidators.ExpectAddresses("net1", [Address], local));
    }
}
