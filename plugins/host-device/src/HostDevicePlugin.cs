using LibCni.Kernel;
using LibCni;
using LibCni.Interfaces;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.HostDevice;

/// <summary>
/// The host-device plugin: moves an existing host link (by name, MAC, sysfs path, PCI or auxiliary device) into the
/// container under CNI_IFNAME, its host name kept in the alias, and back on DEL. DPDK-bound PCI devices have no
/// netdev and are only reported. Unlike the reference, DEL of a device already moved back (or of a netns already
/// gone) succeeds, and a failed ADD moves the device back.
/// </summary>
public sealed class HostDevicePlugin(IContainerInterfaces links, IHostDeviceKernel kernel, IDelegatePlugin ipam) : ICniPlugin
{
    private static readonly CheckTexts Texts = new(null, "Required prevResult missing");

    public static HostDevicePlugin CreateDefault()
    {
        var links = new KernelContainerInterfaces();
        return new(links, new KernelHostDevice(links), ExecDelegatePlugin.Instance);
    }

    public ICniResult Add(CmdArgs args)
    {
        var config = HostDeviceConfig.Parse(args.StdinData);
        var selection = HostDeviceSelection.Resolve(config, kernel);
        return Rollback.Run("host-device", args.Log, undo =>
        {
            var link = new LinkRef(args.IfName, 0, "");
            if (!selection.Dpdk)
            {
                var hostName = selection.FindHostLink(kernel);
                link = kernel.MoveIn(hostName, args.Netns, args.IfName);
                undo.Push($"move {args.IfName} back to {hostName}", () => kernel.MoveOut(args.Netns, args.IfName));
            }

            var entry = selection.Dpdk ? new Interface100 { Name = args.IfName, Sandbox = args.Netns } : ContainerLinkAttachment.Entry(link, args);
            Result100 result;
            if (config.IpamType is not { } ipamType)
            {
                result = new Result100 { Interfaces = [entry] };
            }
            else if (selection.Dpdk)
            {
                // No netdev to address: IPAM's answer is reported for the DPDK application to use.
                result = ResultConverter.ToResult100(ipam.Add(ipamType, args));
                undo.Push($"IPAM DEL via {ipamType}", () => ipam.Del(ipamType, args));
                if ((result.Ips ?? []).Count == 0)
                {
                    throw new CniException(CniErrorCode.Internal, "IPAM plugin returned missing IP config");
                }

                foreach (var ip in result.Ips!)
                {
                    ip.Interface = 0;
                }

                result.Interfaces = [entry];
                result.Dns = config.Dns;
            }
            else
            {
                result = ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, ipamType, undo, announce: false);
                result.Dns = config.Dns;
            }

            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    /// <summary>
    /// IPAM DEL, then the device back to the host under its original name. Already back, or the netns gone (the
    /// kernel returns physical devices to the host under the container's name): success, the latter renamed back.
    /// </summary>
    public void Del(CmdArgs args)
    {
        var config = HostDeviceConfig.Parse(args.StdinData);
        var selection = HostDeviceSelection.Resolve(config, kernel);

        // The move back to the host, with IPAM DEL beside it when IPAM needs no link (a netns move blocks in the
        // kernel about as long as an IPAM exec takes).
        ContainerLinkAttachment.DeleteBeside(() =>
            {
                if (args.Netns.Length == 0 || selection.Dpdk)
                {
                    return;
                }

                try
                {
                    kernel.MoveOut(args.Netns, args.IfName);
                }
                catch (LibCni.Kernel.NetnsNotFoundException)
                {
                    if (config.Device is { } device)
                    {
                        kernel.RestoreReturned(args.IfName, device);
                    }
                }
            },
            ipam, args, config.IpamType);
    }

    public void Check(CmdArgs args)
    {
        var config = HostDeviceConfig.Parse(args.StdinData);
        var selection = HostDeviceSelection.Resolve(config, kernel);
        if (config.IpamType is { } ipamType)
        {
            ipam.Check(ipamType, args);
        }

        var prev = ContainerLinkAttachment.PrevResult(config.PrevResult, args, Texts);
        if (selection.Dpdk)
        {
            return;
        }

        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);
        ContainerLinkAttachment.CheckAddressing(args, prev, link);
    }

    public void Gc(CmdArgs args) => ContainerLinkAttachment.Gc(ipam, HostDeviceConfig.Parse(args.StdinData).IpamType, args);

    public void Status(CmdArgs args) => ContainerLinkAttachment.Status(ipam, HostDeviceConfig.Parse(args.StdinData).IpamType, args);
}
