using CniPlugins.Bridge;
using LibCni.Kernel;
using LibCni.Types;

namespace Bridge.Tests;

/// <summary>Records what the plugin asks of the kernel; a named step can be made to fail.</summary>
public sealed class FakeBridgeKernel : IBridgeKernel
{
    public List<string> Calls { get; } = [];

    public HashSet<string> HostLinks { get; } = [];

    public string? FailOn { get; set; }

    public bool NetnsGone { get; set; }

    /// <summary>Runs inside DeleteContainerLink, before it returns: lets a test look at what happens meanwhile.</summary>
    public Action? WhileDeletingContainerLink { get; set; }

    public ContainerAddressing? Configured { get; private set; }

    public Dictionary<string, HostLinkState> HostStates { get; } = [];

    public ContainerLinkState? ContainerState { get; set; }

    private void Step(string call)
    {
        Calls.Add(call);
        if (FailOn is not null && call.StartsWith(FailOn, StringComparison.Ordinal))
        {
            throw new IOException($"injected failure at {call}");
        }
    }

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
        Step($"EnsureBridge {name} mtu={mtu} vlanFiltering={vlanFiltering} promisc={promiscuous} pinMac={pinMac}");
        HostLinks.Add(name);
        _bridgeName = name;
        if (pinMac)
        {
            Pin(name, BridgeMac);
        }

        return new LinkRef(name, 10, BridgeMac);
    }

    public (LinkRef Host, LinkRef Container) CreateVeth(string netns, string ifName, int mtu, byte[]? mac)
    {
        Step($"CreateVeth {netns} {ifName} mtu={mtu} mac={(mac is null ? "-" : Convert.ToHexString(mac))}");
        HostLinks.Add("vethfake01");
        return (new LinkRef("vethfake01", 11, "02:00:00:00:00:11"), new LinkRef(ifName, 2, "02:00:00:00:00:02"));
    }

    public void DeleteHostLink(string name)
    {
        Step($"DeleteHostLink {name}");
        HostLinks.Remove(name);
    }

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings)
    {
        Step($"AttachPort {hostVeth.Name} {bridge.Name} hairpin={settings.Hairpin} isolated={settings.Isolated} vlan={settings.Vlan} trunk={string.Join(",", settings.TrunkVlans)}");
        PortJoined(hostVeth.Mac);
    }

    public void ConfigureContainer(string netns, string ifName, ContainerAddressing addressing)
    {
        Step($"ConfigureContainer {ifName}");
        Configured = addressing;
    }

    public void SetContainerLinkUp(string netns, string ifName) => Step($"SetContainerLinkUp {ifName}");

    public void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress)
    {
        Step($"EnsureGatewayAddress {link.Name} {gateway}");
        Pin(link.Name, link.Mac);
    }

    public LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan)
    {
        Step($"EnsureVlanGatewayLink {bridge.Name}.{vlan}");
        PortJoined("02:00:00:00:00:13");
        return new LinkRef($"{bridge.Name}.{vlan}", 12, "02:00:00:00:00:12");
    }

    public void EnableForwarding(bool ipv4) => Step($"EnableForwarding {(ipv4 ? "v4" : "v6")}");

    public LinkRef WaitPortUp(string name)
    {
        Step($"WaitPortUp {name}");
        return new LinkRef(name, 11, "02:00:00:00:00:11");
    }

    public LinkRef GetHostLink(string name) => new(name, 10, name == _bridgeName ? BridgeMac : "02:00:00:00:00:99");

    public IReadOnlyList<CidrAddress> DeleteContainerLink(string netns, string ifName)
    {
        WhileDeletingContainerLink?.Invoke();
        Step($"DeleteContainerLink {ifName}");
        if (NetnsGone)
        {
            throw new NetnsNotFoundException(netns);
        }

        return [CidrAddress.Parse("10.1.0.2/24")];
    }

    public HostLinkState? InspectHostLink(string name) => HostStates.GetValueOrDefault(name);

    public ContainerLinkState? InspectContainerLink(string netns, string ifName) => ContainerState;
}
