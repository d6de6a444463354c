using LibCni.Kernel;
using LibCni.Netlink.Route;
using LibCni.Netlink.Tc;

namespace CniPlugins.Bandwidth;

/// <summary><see cref="IBandwidthKernel"/> over rtnetlink in the plugin's (host) netns.</summary>
public sealed class KernelBandwidth : IBandwidthKernel
{
    private readonly Lazy<RtnlClient> _rtnl = new(() => NetNamespace.OpenRtnl());
    private readonly Lazy<PacketScheduler> _scheduler = new(() =>
    {
        try
        {
            return PacketScheduler.FromProc();
        }
        catch (IOException)
        {
            return new PacketScheduler(0); // what the reference computes with when it cannot read the clock
        }
    });

    private RtnlClient Rtnl => _rtnl.Value;

    private TcClient Tc => new(Rtnl.Netlink);

    public int VethPeerIndex(string netnsPath, string ifName)
    {
        using var rtnl = NetNamespace.OpenRtnl(netnsPath);
        var link = rtnl.GetLink(ifName) ?? throw new IOException($"could not look up \"{ifName}\": Link not found");
        if (link.Kind != "veth")
        {
            throw new IOException($"interface \"{ifName}\" was not a veth interface");
        }

        return link.PeerIndex;
    }

    public HostLink? GetLink(int index) => Rtnl.GetLink(index) is { } link ? ToHost(link) : null;

    public HostLink? GetLink(string name) => Rtnl.GetLink(name) is { } link ? ToHost(link) : null;

    public IReadOnlyList<HostLink> ListLinks() => Rtnl.ListLinks().Select(ToHost).ToList();

    /// <summary>Adds the ifb, then marks it with the alias (the kernel drops an alias given at creation); a failed mark removes it.</summary>
    public void AddIfb(string name, int mtu, string alias)
    {
        Tc.AddIfb(name, mtu);
        var ifb = Rtnl.GetLink(name) ?? throw new IOException($"ifb {name} vanished after creation");
        try
        {
            Rtnl.SetAlias(ifb.Index, alias);
        }
        catch
        {
            Rtnl.DeleteLink(ifb.Index);
            throw;
        }
    }

    public void DeleteLink(int index) => Rtnl.DeleteLink(index);

    public void AddRootTbf(int index, TbfParameters tbf) => Tc.AddRootTbf(index, tbf);

    public void AddIngress(int index) => Tc.AddIngress(index);

    public void AddRedirectFilter(int index, int ifbIndex) => Tc.AddRedirectFilter(index, ifbIndex);

    public void DeleteRootQdisc(int index) => Tc.DeleteRootQdisc(index);

    public void DeleteIngressQdisc(int index) => Tc.DeleteIngressQdisc(index);

    public IReadOnlyList<QdiscInfo> ListQdiscs(int index) => Tc.ListQdiscs(index);

    public TbfParameters Tbf(ulong rateBits, ulong burstBits) => _scheduler.Value.Tbf(rateBits, burstBits);

    private static HostLink ToHost(LinkInfo link) => new(link.Index, link.Name, link.Mtu, link.Mac, link.Kind, TcRequests.AliasOf(link));
}
