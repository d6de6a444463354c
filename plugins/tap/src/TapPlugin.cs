using LibCni;
using LibCni.Interfaces;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Tap;

/// <summary>
/// The tap plugin: a persistent tap device in the container (for a VM or a userspace stack), optionally on a bridge
/// inside the container, with IPAM's addresses or none. Made over /dev/net/tun, never by exec'ing <c>ip</c>. Unlike
/// the reference, a failed ADD removes the tap and releases the address.
/// </summary>
public sealed class TapPlugin(IContainerInterfaces links, ITapKernel kernel, IDelegatePlugin ipam) : ICniPlugin
{
    private static readonly CheckTexts Texts = new(null, "Required prevResult missing");

    public static TapPlugin CreateDefault() => new(new KernelContainerInterfaces(), new KernelTap(), ExecDelegatePlugin.Instance);

    public ICniResult Add(CmdArgs args)
    {
        var config = TapConfig.Parse(args.StdinData, args.ParsedArgs);
        return Rollback.Run("tap", args.Log, undo =>
        {
            var link = kernel.CreateTap(args.Netns, args.IfName, config);
            undo.Push($"delete {args.IfName}", () => links.DeleteLink(args.Netns, args.IfName));
            var result = config.IpamType is { } ipamType
                ? ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, ipamType, undo, announce: true)
                : new Result100 { Interfaces = [ContainerLinkAttachment.Entry(link, args)] };
            result.Dns = config.Dns;
            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    public void Del(CmdArgs args) => ContainerLinkAttachment.Delete(links, ipam, args, TapConfig.Parse(args.StdinData, args.ParsedArgs).IpamType);

    /// <summary>As the reference: the sandbox, then prevResult's addresses and routes; the tap itself is not compared.</summary>
    public void Check(CmdArgs args)
    {
        var config = TapConfig.Parse(args.StdinData, args.ParsedArgs);
        if (config.IpamType is { } ipamType)
        {
            ipam.Check(ipamType, args);
        }

        var prev = ContainerLinkAttachment.PrevResult(config.PrevResult, args, Texts);
        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);
        ContainerLinkAttachment.CheckAddressing(args, prev, link);
    }

    public void Gc(CmdArgs args) => ContainerLinkAttachment.Gc(ipam, TapConfig.Parse(args.StdinData, args.ParsedArgs).IpamType, args);

    public void Status(CmdArgs args) => ContainerLinkAttachment.Status(ipam, TapConfig.Parse(args.StdinData, args.ParsedArgs).IpamType, args);
}
