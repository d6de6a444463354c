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

    public LinkRef EnsureBridge(string name, int mtu, bool vlanFiltering, bool promiscuous)
    {
        Step($"EnsureBridge {name} mtu={mtu} vlanFiltering={vlanFiltering} promisc={promiscuous}");
        HostLinks.Add(name);
        return new LinkRef(name, 10, "02:00:00:00:00:10");
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

    public void AttachPort(LinkRef hostVeth, LinkRef bridge, PortSettings settings) =>
        Step($"AttachPort {hostVeth.Name} {bridge.Name} hairpin={settings.Hairpin} isolated={settings.Isolated} vlan={settings.Vlan} trunk={string.Join(",", settings.TrunkVlans)}");

    public void ConfigureContainer(string netns, string ifName, ContainerAddressing addressing)
    {
        Step($"ConfigureContainer {ifName}");
        Configured = addressing;
    }

    public void SetContainerLinkUp(string netns, string ifName) => Step($"SetContainerLinkUp {ifName}");

    public void EnsureGatewayAddress(LinkRef link, CidrAddress gateway, bool forceAddress) => Step($"EnsureGatewayAddress {link.Name} {gateway}");

    public LinkRef EnsureVlanGatewayLink(LinkRef bridge, int vlan, int mtu, bool preserveDefaultVlan)
    {
        Step($"EnsureVlanGatewayLink {bridge.Name}.{vlan}");
        return new LinkRef($"{bridge.Name}.{vlan}", 12, "02:00:00:00:00:12");
    }

    public void EnableForwarding(bool ipv4) => Step($"EnableForwarding {(ipv4 ? "v4" : "v6")}");

    public LinkRef WaitPortUp(string name)
    {
        Step($"WaitPortUp {name}");
        return new LinkRef(name, 11, "02:00:00:00:00:11");
    }

    public LinkRef GetHostLink(string name) => new(name, 10, "02:00:00:00:00:99");

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
