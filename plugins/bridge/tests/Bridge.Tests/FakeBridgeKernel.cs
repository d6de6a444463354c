using CniPlugins.Bridge;
using LibCni.Interfaces;
using LibCni.TestKit;
using LibCni.Types;

namespace Bridge.Tests;

/// <summary>Records what the plugin asks of the kernel, in one list with the shared interface fake's calls.</summary>
public sealed class FakeBridgeKernel : IBridgeKernel
{
    public FakeContainerInterfaces Links { get; } = new();

    public List<string> Calls => Links.Calls;

    public HashSet<string> HostLinks => Links.HostLinks;

    public string? FailOn { get => Links.FailOn; set => Links.FailOn = value; }

    public LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous)
    {
        Links.Step($"EnsureBridge {name} mtu={mtu} vlanFiltering={vlanFiltering} promisc={promiscuous}");
        HostLinks.Add(name);
        return new LinkRef(name, 10, "02:00:00:00:00:10");
    }

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings) =>
        Links.Step($"AttachPort {hostVeth.Name} {bridge.Name} hairpin={settings.Hairpin} isolated={settings.Isolated} vlan={settings.Vlan} trunk={string.Join(",", settings.TrunkVlans)}");

    public void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress) => Links.Step($"EnsureGatewayAddress {link.Name} {gateway}");

    public LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan)
    {
        Links.Step($"EnsureVlanGatewayLink {bridge.Name}.{vlan}");
        return new LinkRef($"{bridge.Name}.{vlan}", 12, "02:00:00:00:00:12");
    }
}
