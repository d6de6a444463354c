using LibCni.Interfaces;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;

namespace CniPlugins.HostDevice;

/// <summary><see cref="IHostDeviceKernel"/> over sysfs and rtnetlink: each move is one RTM_NEWLINK with the target netns and name.</summary>
public sealed class KernelHostDevice(KernelContainerInterfaces links) : IHostDeviceKernel
{
    private const string CurrentNetnsPath = "/proc/thread-self/ns/net";

    public bool PathExists(string path) => Directory.Exists(path) || File.Exists(path);

    public IReadOnlyList<string> ListDirectory(string path)
    {
        try
        {
            return Directory.GetFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException)
        {
            throw new IOException(e.Message, e);
        }
    }

    public string? LinkTargetName(string path) => new FileInfo(path).LinkTarget is { } target ? Path.GetFileName(target) : null;

    public bool HostLinkExists(string name) => links.Host.GetLink(name) is not null;

    public string? HostLinkByMac(byte[] mac) => links.Host.ListLinks().FirstOrDefault(l => l.HardwareAddress.AsSpan().SequenceEqual(mac))?.Name;

    public LinkRef MoveIn(string hostName, string netns, string ifName)
    {
        var host = links.Host;
        var device = host.GetLink(hostName) ?? throw new CniException(CniErrorCode.Internal, $"failed to find host device: Link not found", $"device \"{hostName}\"");
        using var container = NetNamespace.OpenRtnl(netns);

        // The kernel moves the link first and renames it after, so a taken name would fail with the link moved.
        if (container.GetLink(ifName) is not null)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to move link: \"{ifName}\" already exists in the container", $"in {netns}");
        }

        using (var containerNetns = NetNamespace.Open(netns))
        {
            try
            {
                host.MoveToNetns(device.Index, (int)containerNetns.DangerousGetHandle(), ifName);
            }
            catch (NetlinkException e)
            {
                if (container.GetLink(hostName) is { } stray)
                {
                    using var hostNetns = NetNamespace.Open(CurrentNetnsPath);
                    container.MoveToNetns(stray.Index, (int)hostNetns.DangerousGetHandle(), hostName);
                }

                throw new CniException(CniErrorCode.Internal, $"failed to move link failed to move \"{hostName}\" to container NS as \"{ifName}\": {e.Message}");
            }
        }

        var moved = container.GetLink(ifName) ?? throw new CniException(CniErrorCode.Internal, $"failed to move link: \"{ifName}\" not found in {netns} after the move");
        try
        {
            container.SetAlias(moved.Index, hostName);
            container.SetLinkUp(moved.Index, true);
        }
        catch (NetlinkException e)
        {
            using var hostNetns = NetNamespace.Open(CurrentNetnsPath);
            container.MoveToNetns(moved.Index, (int)hostNetns.DangerousGetHandle(), hostName);
            if (device.IsUp && host.GetLink(hostName) is { } back)
            {
                host.SetLinkUp(back.Index, true);
            }

            throw new CniException(CniErrorCode.Internal, $"failed to move link failed to set \"{ifName}\" up with alias \"{hostName}\": {e.Message}");
        }

        return KernelContainerInterfaces.Ref(container.GetLink(ifName) ?? moved);
    }

    public bool MoveOut(string netns, string ifName)
    {
        using var container = NetNamespace.OpenRtnl(netns);
        if (container.GetLink(ifName) is not { } link)
        {
            return false;
        }

        var original = link.Alias ?? throw new CniException(CniErrorCode.Internal, $"failed to find original ifname for \"{ifName}\" (alias is not set)",
            "the device was not moved in by host-device");
        if (links.Host.GetLink(original) is not null)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to move \"{ifName}\" (host: \"{original}\") to hostNS: the host already has a link \"{original}\"");
        }

        container.SetLinkUp(link.Index, false);
        using (var hostNetns = NetNamespace.Open(CurrentNetnsPath))
        {
            try
            {
                container.MoveToNetns(link.Index, (int)hostNetns.DangerousGetHandle(), original);
            }
            catch (NetlinkException e)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to move \"{ifName}\" (host: \"{original}\") to hostNS: {e.Message}");
            }
        }

        if (links.Host.GetLink(original) is { } returned)
        {
            links.Host.SetAlias(returned.Index, "");
        }

        return true;
    }

    public bool RestoreReturned(string ifName, string originalName)
    {
        var host = links.Host;
        if (host.GetLink(ifName) is not { } link || link.Alias != originalName || host.GetLink(originalName) is not null)
        {
            return false;
        }

        host.SetLinkUp(link.Index, false);
        host.Rename(link.Index, originalName);
        host.SetAlias(link.Index, "");
        return true;
    }
}
