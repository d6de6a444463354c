using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Types;

namespace LibCni.TestKit;

/// <summary>
/// The shared fake of the container-interface layer: records each call as one line in <see cref="Calls"/> (a list a
/// plugin's own fake may share, so one list shows the order of both), and fails the first call that starts with
/// <see cref="FailOn"/>.
/// </summary>
public sealed class FakeContainerInterfaces(List<string>? calls = null) : IContainerInterfaces
{
    public List<string> Calls { get; } = calls ?? [];

    public HashSet<string> HostLinks { get; } = [];

    public string? FailOn { get; set; }

    /// <summary>Container-side calls throw <see cref="NetnsNotFoundException"/>.</summary>
    public bool NetnsGone { get; set; }

    /// <summary>Runs inside DeleteLink, before it returns: lets a test look at what happens meanwhile.</summary>
    public Action? WhileDeletingLink { get; set; }

    public InterfaceAddressing? Configured { get; private set; }

    public Dictionary<string, HostLinkState> HostStates { get; } = [];

    public ContainerLinkState? ContainerState { get; set; }

    public string HostVethName { get; set; } = "vethfake01";

    public void Step(string call)
    {
        Calls.Add(call);
        if (FailOn is not null && call.StartsWith(FailOn, StringComparison.Ordinal))
        {
            throw new IOException($"injected failure at {call}");
        }
    }

    private void InNetns(string netns)
    {
        if (NetnsGone)
        {
            throw new NetnsNotFoundException(netns);
        }
    }

    public (LinkRef Host, LinkRef Container) CreateVeth(string netns, string ifName, int mtu, byte[]? mac)
    {
        Step($"CreateVeth {netns} {ifName} mtu={mtu} mac={(mac is null ? "-" : Convert.ToHexString(mac))}");
        InNetns(netns);
        HostLinks.Add(HostVethName);
        return (new LinkRef(HostVethName, 11, "02:00:00:00:00:11"), new LinkRef(ifName, 2, "02:00:00:00:00:02"));
    }

    /// <summary>Parents FindParent knows, by name (host and container side alike).</summary>
    public Dictionary<string, ParentLink> Parents { get; } = [];

    /// <summary>What DefaultRouteInterface answers.</summary>
    public string? DefaultRoute { get; set; }

    public ChildLinkRequest? ChildRequest { get; private set; }

    public LinkRef CreateChildLink(string netns, string ifName, ChildLinkRequest request)
    {
        Step($"CreateChildLink {request.Kind.Name} {ifName} parent={request.Parent?.Name ?? "-"}{(request.ParentInContainer ? " (in container)" : "")} mtu={request.Mtu}");
        InNetns(netns);
        ChildRequest = request;
        return new LinkRef(ifName, 2, request.Mac is null ? "02:00:00:00:00:02" : Netlink.Route.LinkInfo.FormatMac(request.Mac));
    }

    public ParentLink? FindParent(string name, string? netns = null)
    {
        if (netns is not null)
        {
            InNetns(netns);
        }

        return Parents.GetValueOrDefault(name);
    }

    public string? DefaultRouteInterface(string? netns = null) => DefaultRoute;

    public void DeleteHostLink(string name)
    {
        Step($"DeleteHostLink {name}");
        HostLinks.Remove(name);
    }

    public void Configure(string netns, string ifName, InterfaceAddressing addressing)
    {
        Step($"Configure {ifName}");
        InNetns(netns);
        Configured = addressing;
    }

    public void SetLinkUp(string netns, string ifName)
    {
        Step($"SetLinkUp {ifName}");
        InNetns(netns);
    }

    public void DeleteLink(string netns, string ifName)
    {
        WhileDeletingLink?.Invoke();
        Step($"DeleteLink {ifName}");
        InNetns(netns);
    }

    public ContainerLinkState? Inspect(string netns, string ifName)
    {
        InNetns(netns);
        return ContainerState;
    }

    public HostLinkState? InspectHostLink(string name) => HostStates.GetValueOrDefault(name);

    /// <summary>The MAC GetHostLink reports for a link, when a plugin's fake keeps it (null: a fixed one).</summary>
    public Func<string, string?>? HostMac { get; set; }

    public LinkRef GetHostLink(string name) => new(name, 10, HostMac?.Invoke(name) ?? "02:00:00:00:00:99");

    public LinkRef WaitHostLinkUp(string name, string what)
    {
        Step($"WaitHostLinkUp {name}");
        return new LinkRef(name, 11, "02:00:00:00:00:11");
    }

    public void EnableForwarding(bool ipv4, bool ipv6)
    {
        if (ipv4)
        {
            Step("EnableForwarding v4");
        }

        if (ipv6)
        {
            Step("EnableForwarding v6");
        }
    }
}
