using LibCni;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Macvlan;

/// <summary>
/// The macvlan plugin: a macvlan of the master (by default the default route's interface) made straight in the
/// container under a temporary name and renamed; addresses from IPAM, or L2 only. Unlike the reference, an ADD
/// that fails after the link exists removes it (the reference keeps it when IPAM fails).
/// </summary>
public sealed class MacvlanPlugin(IContainerInterfaces links, IDelegatePlugin ipam) : ICniPlugin
{
    private static readonly CheckTexts Texts = new("macvlan", "required prevResult missing") { LowerCase = true };

    public static MacvlanPlugin CreateDefault() => new(new KernelContainerInterfaces(), ExecDelegatePlugin.Instance);

    public ICniResult Add(CmdArgs args)
    {
        var config = MacvlanConfig.Parse(args.StdinData, args.ParsedArgs, strictArgs: true);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.Master, args, config.LinkInContainer, config.Mtu);
        return Rollback.Run("macvlan", args.Log, undo =>
        {
            var request = new ChildLinkRequest(new MacvlanKind(config.Mode, config.BroadcastQueueLength), parent, config.LinkInContainer)
            {
                Mtu = config.Mtu,
                Mac = config.Mac,
            };
            var link = links.CreateChildLink(args.Netns, args.IfName, request);
            undo.Push($"delete {args.IfName}", () => links.DeleteLink(args.Netns, args.IfName));
            var result = config.IpamType is { } ipamType
                ? ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, ipamType, undo, announce: true)
                : ContainerLinkAttachment.Layer2(links, args, link);

            // The config's dns, never IPAM's (as the reference).
            result.Dns = config.Dns;
            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    /// <summary>IPAM DEL, then the link; master and MTU are not consulted, so DEL works with the master gone.</summary>
    public void Del(CmdArgs args)
    {
        var config = MacvlanConfig.Parse(args.StdinData, args.ParsedArgs, strictArgs: false, "failed to load netConf");
        ContainerLinkAttachment.Delete(links, ipam, args, config.IpamType);
    }

    public void Check(CmdArgs args)
    {
        var config = MacvlanConfig.Parse(args.StdinData, args.ParsedArgs, strictArgs: true);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.Master, args, config.LinkInContainer, config.Mtu);
        if (config.IpamType is { } ipamType)
        {
            ipam.Check(ipamType, args);
        }

        var prev = ContainerLinkAttachment.PrevResult(config.PrevResult, args, Texts);
        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);
        if (link.Details is MacvlanKind { Tap: false } macvlan && macvlan.Mode != config.Mode)
        {
            throw ContainerLinkAttachment.Fail($"container macvlan mode {MacvlanConfig.ModeName(macvlan.Mode)} does not match expected value: {MacvlanConfig.ModeName(config.Mode)}");
        }

        ContainerLinkAttachment.CheckParent(link, parent, "container macvlan");

        ContainerLinkAttachment.CheckAddressing(args, prev, link);
    }

    public void Gc(CmdArgs args) => ContainerLinkAttachment.Gc(ipam, MacvlanConfig.Parse(args.StdinData, args.ParsedArgs, strictArgs: false).IpamType, args);

    public void Status(CmdArgs args) => ContainerLinkAttachment.Status(ipam, MacvlanConfig.Parse(args.StdinData, args.ParsedArgs, strictArgs: false).IpamType, args);
}
