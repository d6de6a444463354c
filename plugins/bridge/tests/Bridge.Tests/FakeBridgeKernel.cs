using CniPlugins.Bridge;
using LibCni.Interfaces;
using LibCni.TestKit;
using LibCni.Types;

namespace Bridge.Tests;

/// <summary>
/// Records what the plugin asks of the kernel, in one list with the shared interface fake's calls, and keeps the
/// bridge's MAC as the kernel would.
/// </summary>
public sealed class FakeBridgeKernel : IBridgeKernel
{
    public FakeBridgeKernel() => Links.HostMac = name => name == _bridgeName ? BridgeMac : null;

    public FakeContainerInterfaces Links { get; } = new();

    public List<string> Calls => Links.Calls;

    public HashSet<string> HostLinks => Links.HostLinks;

    public string? FailOn { get => Links.FailOn; set => Links.FailOn = value; }

    /// <summary>
    /// The bridge's MAC as the kernel keeps it: its own while it has no port or once pinned (set by hand), else the
    /// lowest MAC among its ports. Every value it takes is in <see cref="BridgeMacs"/>.
    /// </summary>
    public string BridgeMac
    {
        get => BridgeMacs[^1];
        set => BridgeMacs.Add(value);
    }

    public List<string> BridgeMacs { get; } = ["02:00:00:00:00:10"];

    public bool BridgePinned { get; set; }

    /// <summary>MACs of the bridge's ports (ports already there count: set them for an existing bridge).</summary>
    public List<string> BridgePorts { get; } = [];

    /// <summary>Each link whose MAC was set by hand, and to what.</summary>
    public List<(string Link, string Mac)> MacPins { get; } = [];

    private string? _bridgeName;

    private void Pin(string link, string mac)
    {
        MacPins.Add((link, mac));
        if (link == _bridgeName)
        {
            BridgeMac = mac;
            BridgePinned = true;
        }
    }

    private void PortJoined(string mac)
    {
        BridgePorts.Add(mac);
        if (!BridgePinned)
        {
            BridgeMac = BridgePorts.Min(StringComparer.Ordinal)!;
        }
    }

    public LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous, bool pinMac)
    {
        Links.Step($"EnsureBridge {name} mtu={mtu} vlanFiltering={vlanFiltering} promisc={promiscuous} pinMac={pinMac}");
        HostLinks.Add(name);
        _bridgeName = name;
        if (pinMac)
        {
            Pin(name, BridgeMac);
        }

        return new LinkRef(name, 10, BridgeMac);
    }

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings)
    {
        Links.Step($"AttachPort {hostVeth.Name} {bridge.Name} hairpin={settings.Hairpin} isolated={settings.Isolated} vlan={settings.Vlan} trunk={string.Join(",", settings.TrunkVlans)}");
        PortJoined(hostVeth.Mac);
    }

    public void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress)
    {
        Links.Step($"EnsureGatewayAddress {link.Name} {gateway}");
        Pin(link.Name, link.Mac);
    }

    public LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan)
    {
        Links.Step($"EnsureVlanGatewayLink {bridge.Name}.{vlan}");
        PortJoined("02:00:00:00:00:13");
        return new LinkRef($"{bridge.Name}.{vlan}", 12, "02:00:00:00:00:12");
    }
}
