using LibCni.Netlink.Route;

namespace LibCni.Netlink.Tc;

/// <summary>Qdiscs, filters and ifb links over a route netlink connection.</summary>
public sealed class TcClient(NetlinkClient client)
{
    public void AddRootTbf(int index, TbfParameters tbf) =>
        client.Execute(TcRequests.NewRootTbf(index, tbf), $"RTM_NEWQDISC tbf index {index}");

    public void AddIngress(int index) => client.Execute(TcRequests.NewIngress(index), $"RTM_NEWQDISC ingress index {index}");

    public void DeleteRootQdisc(int index) => client.Execute(TcRequests.DeleteRootQdisc(index), $"RTM_DELQDISC root index {index}");

    public void DeleteIngressQdisc(int index) => client.Execute(TcRequests.DeleteIngressQdisc(index), $"RTM_DELQDISC ingress index {index}");

    public void AddRedirectFilter(int index, int ifbIndex) =>
        client.Execute(TcRequests.NewRedirectFilter(index, ifbIndex), $"RTM_NEWTFILTER u32 index {index} redirect {ifbIndex}");

    public void AddIfb(string name, int mtu) => client.Execute(TcRequests.NewIfb(name, mtu), $"RTM_NEWLINK ifb {name}");

    /// <summary>The qdiscs of link <paramref name="index"/>, in the kernel's order.</summary>
    public List<QdiscInfo> ListQdiscs(int index) =>
        client.Dump(() => TcRequests.GetQdiscs(index), $"RTM_GETQDISC index {index}")
            .Where(m => m.Type == TcConstants.NewQdisc)
            .Select(QdiscInfo.Parse)
            .Where(q => q.Index == index)
            .ToList();
}
