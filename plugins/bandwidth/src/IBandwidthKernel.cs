using LibCni.Netlink.Tc;

namespace CniPlugins.Bandwidth;

/// <summary>A host link as bandwidth sees it.</summary>
public sealed record HostLink(int Index, string Name, int Mtu, string Mac, string? Kind, string? Alias);

/// <summary>What bandwidth needs from the kernel (host netns, plus one look into the container's), testable without root.</summary>
public interface IBandwidthKernel
{
    /// <summary>
    /// The ifindex (in the host netns) of the veth peer of <paramref name="ifName"/> inside <paramref name="netnsPath"/>.
    /// Throws <see cref="LibCni.Kernel.NetnsNotFoundException"/> for a missing netns and <see cref="IOException"/>
    /// (with the reason) when the interface is missing or has no peer.
    /// </summary>
    int VethPeerIndex(string netnsPath, string ifName);

    HostLink? GetLink(int index);

    HostLink? GetLink(string name);

    IReadOnlyList<HostLink> ListLinks();

    void AddIfb(string name, int mtu, string alias);

    void DeleteLink(int index);

    void AddRootTbf(int index, TbfParameters tbf);

    void AddIngress(int index);

    void AddRedirectFilter(int index, int ifbIndex);

    void DeleteRootQdisc(int index);

    void DeleteIngressQdisc(int index);

    IReadOnlyList<QdiscInfo> ListQdiscs(int index);

    /// <summary>The TBF the reference computes for these bits, with this host's scheduler clock.</summary>
    TbfParameters Tbf(ulong rateBits, ulong burstBits);
}
