using LibCni.Interfaces;
using LibCni.Interop;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Types;

namespace CniPlugins.Tap;

/// <summary><see cref="ITapKernel"/>: TUNSETIFF and friends on the netns thread, then rtnetlink in the container.</summary>
public sealed class KernelTap : ITapKernel
{
    public LinkRef CreateTap(string netns, string ifName, TapConfig config)
    {
        if (config.SelinuxContext is { } label && Directory.Exists("/sys/fs/selinux"))
        {
            // The reference labels an `ip` exec; we make the device ourselves and cannot take on another label.
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"selinuxContext \"{label}\" is not supported on an SELinux host",
                "this tap plugin creates the device in-process; run it under the wanted label instead");
        }

        var temporary = LinkSetup.RandomVethName();
        try
        {
            NetNamespace.Run(netns, () => Tun.CreatePersistentTap(temporary, config.MultiQueue, config.VnetHeader, config.Owner, config.Group));
        }
        catch (ErrnoException e)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to create tap: {e.Message}");
        }

        using var rtnl = NetNamespace.OpenRtnl(netns);
        var link = rtnl.GetLink(temporary) ?? throw new CniException(CniErrorCode.Internal, $"failed to create tap: {temporary} vanished in {netns}");
        try
        {
            Step($"failed to rename tap to \"{ifName}\"", () => rtnl.Rename(link.Index, ifName));
            if (config.Mtu > 0)
            {
                Step($"failed to set MTU {config.Mtu} on tap {ifName}", () => rtnl.SetMtu(link.Index, config.Mtu));
            }

            if (config.Mac is { } mac)
            {
                Step($"invalid args {LibCni.Netlink.Route.LinkInfo.FormatMac(mac)} for MAC addr", () => rtnl.SetHardwareAddress(link.Index, mac));
            }

            if (config.Bridge is { } bridgeName)
            {
                var bridge = rtnl.GetLink(bridgeName) ?? throw new CniException(CniErrorCode.Internal, $"failed to get bridge {bridgeName}: Link not found", $"in {netns}");
                Step($"failed to set tap {ifName} as a port of bridge {bridgeName}", () => rtnl.SetMaster(link.Index, bridge.Index));
            }

            Step("failed to set tap interface up", () => rtnl.SetLinkUp(link.Index, true));
            return KernelContainerInterfaces.Ref(rtnl.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"failed to refetch tap \"{ifName}\""));
        }
        catch
        {
            rtnl.DeleteLink(link.Index);
            throw;
        }
    }

    private static void Step(string what, Action action)
    {
        try
        {
            action();
        }
        catch (NetlinkException e)
        {
            throw new CniException(CniErrorCode.Internal, $"{what}: {e.Message}");
        }
    }
}
