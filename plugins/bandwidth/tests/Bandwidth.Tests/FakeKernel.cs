using CniPlugins.Bandwidth;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Tc;

namespace Bandwidth.Tests;

/// <summary>An in-memory host: links, qdiscs per link, and a log of every change.</summary>
public sealed class FakeKernel : IBandwidthKernel
{
    private int _nextIndex = 10;

    public FakeKernel()
    {
        Links.Add(new HostLink(5, "veth1", 1450, "aa:bb:cc:dd:ee:ff", "veth", null));
    }

    public List<HostLink> Links { get; } = [];

    public Dictionary<int, List<QdiscInfo>> Qdiscs { get; } = [];

    public List<string> Calls { get; } = [];

    public int PeerIndex { get; set; } = 5;

    public bool NetnsMissing { get; set; }

    /// <summary>The call (by its log prefix) that fails with EPERM.</summary>
    public string? FailOn { get; set; }

    public int VethPeerIndex(string netnsPath, string ifName) =>
        NetnsMissing ? throw new NetnsNotFoundException(netnsPath) : PeerIndex;

    public HostLink? GetLink(int index) => Links.FirstOrDefault(l => l.Index == index);

    public HostLink? GetLink(string name) => Links.FirstOrDefault(l => l.Name == name);

    public IReadOnlyList<HostLink> ListLinks() => Links.ToList();

    public void AddIfb(string name, int mtu, string alias)
    {
        Record($"ifb {name} mtu {mtu} alias {alias}");
        Links.Add(new HostLink(_nextIndex++, name, mtu, "02:00:00:00:00:01", "ifb", alias));
    }

    public void DeleteLink(int index)
    {
        Record($"del link {index}");
        Links.RemoveAll(l => l.Index == index);
        Qdiscs.Remove(index);
    }

    public void AddRootTbf(int index, TbfParameters tbf)
    {
        Record($"tbf {index} {tbf.Rate}/{tbf.Limit}/{tbf.Buffer}");
        Of(index).Add(new QdiscInfo(index, TcConstants.MakeHandle(1, 0), TcConstants.HandleRoot, "tbf", tbf));
    }

    public void AddIngress(int index)
    {
        Record($"ingress {index}");
        Of(index).Add(new QdiscInfo(index, TcConstants.MakeHandle(0xffff, 0), TcConstants.HandleIngress, "ingress", null));
    }

    public void AddRedirectFilter(int index, int ifbIndex) => Record($"filter {index} -> {ifbIndex}");

    public void DeleteRootQdisc(int index)
    {
        Record($"del root {index}");
        Of(index).RemoveAll(q => q.IsRoot);
    }

    public void DeleteIngressQdisc(int index)
    {
        Record($"del ingress {index}");
        Of(index).RemoveAll(q => q.Kind == "ingress");
    }

    public IReadOnlyList<QdiscInfo> ListQdiscs(int index) => Of(index).ToList();

    public TbfParameters Tbf(ulong rateBits, ulong burstBits) => new PacketScheduler(15.625).Tbf(rateBits, burstBits);

    private List<QdiscInfo> Of(int index) => Qdiscs.TryGetValue(index, out var list) ? list : Qdiscs[index] = [];

    private void Record(string call)
    {
        if (FailOn is not null && call.StartsWith(FailOn, StringComparison.Ordinal))
        {
            throw new NetlinkException(Errno.EPERM, call, null);
        }

        Calls.Add(call);
    }
}
