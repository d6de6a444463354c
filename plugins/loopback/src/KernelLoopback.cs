using LibCni.Kernel;
using LibCni.Netlink.Route;

namespace CniPlugins.Loopback;

/// <summary><see cref="ILoopbackKernel"/> over rtnetlink, with the socket opened inside the container netns.</summary>
public sealed class KernelLoopback : ILoopbackKernel
{
    private const string Lo = "lo";

    public LoopbackState BringUp(string netns)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var lo = RequireLo(rtnl, netns);
        rtnl.SetLinkUp(lo.Index, true);
        return Read(rtnl, netns, lo.Index);
    }

    public void BringDown(string netns)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        var lo = rtnl.GetLink(Lo);
        if (lo is not null)
        {
            rtnl.SetLinkUp(lo.Index, false);
        }
    }

    public LoopbackState Inspect(string netns)
    {
        using var rtnl = NetNamespace.OpenRtnl(netns);
        return Read(rtnl, netns, RequireLo(rtnl, netns).Index);
    }

    private static LinkInfo RequireLo(RtnlClient rtnl, string netns) =>
        rtnl.GetLink(Lo) ?? throw new IOException($"no loopback interface \"lo\" in {netns}");

    private static LoopbackState Read(RtnlClient rtnl, string netns, int index)
    {
        var link = rtnl.GetLink(index) ?? throw new IOException($"loopback interface vanished in {netns}");
        var addresses = rtnl.ListAddresses(AddressFamily.Unspec, index).Select(a => a.Address).ToList();
        var ipv6Enabled = NetNamespace.Run(netns, () =>
            File.Exists(Sysctl.PathOf(Sysctl.Conf("ipv6", "lo", "disable_ipv6"))) && Sysctl.Read(Sysctl.Conf("ipv6", "lo", "disable_ipv6")) == "0");
        return new LoopbackState(link.IsUp, addresses, ipv6Enabled);
    }
}
