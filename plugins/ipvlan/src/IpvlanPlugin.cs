using LibCni;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Ipvlan;

/// <summary>
/// The ipvlan plugin: an ipvlan (l2, l3 or l3s) of the master, made straight in the container under a temporary
/// name and renamed. Addresses from IPAM, or, chained without IPAM, the prevResult's own. Unlike the reference, a
/// failed ADD removes the link and releases the address.
/// </summary>
public sealed class IpvlanPlugin(IContainerInterfaces links, IDelegatePlugin ipam) : ICniPlugin
{
    private static readonly CheckTexts Texts = new("ipvlan", "Required prevResult missing");

    public static IpvlanPlugin CreateDefault() => new(new KernelContainerInterfaces(), ExecDelegatePlugin.Instance);

    public ICniResult Add(CmdArgs args)
    {
        var config = IpvlanConfig.Parse(args.StdinData, args.ConfigVersion);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.MasterName(), args, config.LinkInContainer, mtu: null);
        return Rollback.Run("ipvlan", args.Log, undo =>
        {
            var request = new ChildLinkRequest(new IpvlanKind(config.Mode), parent, config.LinkInContainer) { Mtu = config.Mtu };
            var link = links.CreateChildLink(args.Netns, args.IfName, request);
            undo.Push($"delete {args.IfName}", () => links.DeleteLink(args.Netns, args.IfName));
            Result100 result;
            if (config.IpamType is null && config.PrevResult is { Ips.Count: > 0 } chained)
            {
                result = ContainerLinkAttachment.Apply(links, args, link, chained, announce: true);
            }
            else
            {
                var ipamType = config.IpamType ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, "no plugin name provided",
                    "ipvlan needs \"ipam\" with a \"type\", or a prevResult with addresses");
                result = ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, ipamType, undo, announce: true);
            }

            result.Dns = config.Dns;
            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    /// <summary>IPAM DEL and the link; unlike the reference, no master is resolved, so DEL works without a default route.</summary>
    public void Del(CmdArgs args)
    {
        var config = IpvlanConfig.Parse(args.StdinData, args.ConfigVersion);
        ContainerLinkAttachment.Delete(links, ipam, args, config.IpamType);
    }

    public void Check(CmdArgs args)
    {
        var config = IpvlanConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.IpamType is { } ipamType)
        {
            ipam.Check(ipamType, args);
        }

        var prev = config.PrevResult ?? throw new CniException(CniErrorCode.InvalidNetworkConfig, Texts.PrevResultMissing);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.Master, args, config.LinkInContainer, mtu: null);
        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);
        if (link.Details is IpvlanKind ipvlan && ipvlan.Mode != config.Mode)
        {
            throw ContainerLinkAttachment.Fail($"Container IPVlan mode {IpvlanConfig.ModeName(ipvlan.Mode)} does not match expected value: {IpvlanConfig.ModeName(config.Mode)}");
        }

        ContainerLinkAttachment.CheckParent(link, parent, "Container IPVlan");

        ContainerLinkAttachment.CheckAddressing(args, prev, link);
    }

    public void Gc(CmdArgs args) => ContainerLinkAttachment.Gc(ipam, IpvlanConfig.Parse(args.StdinData, args.ConfigVersion).IpamType, args);

    public void Status(CmdArgs args) => ContainerLinkAttachment.Status(ipam, IpvlanConfig.Parse(args.StdinData, args.ConfigVersion).IpamType, args);
}
