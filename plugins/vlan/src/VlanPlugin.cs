using LibCni;
using LibCni.Interfaces;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Vlan;

/// <summary>
/// The vlan plugin: an 802.1Q sub-interface of the master, made straight in the container under a temporary name
/// and renamed, addressed by IPAM. Unlike the reference, a failed ADD removes the link, and DEL does not need the
/// master to still exist.
/// </summary>
public sealed class VlanPlugin(IContainerInterfaces links, IDelegatePlugin ipam) : ICniPlugin
{
    private static readonly CheckTexts Texts = new("vlan", "vlan: Required prevResult missing") { Prefix = "vlan: " };

    public static VlanPlugin CreateDefault() => new(new KernelContainerInterfaces(), ExecDelegatePlugin.Instance);

    public ICniResult Add(CmdArgs args)
    {
        var config = VlanConfig.Parse(args.StdinData);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.Master, args, config.LinkInContainer, config.Mtu);
        return Rollback.Run("vlan", args.Log, undo =>
        {
            var request = new ChildLinkRequest(new VlanKind(config.VlanId), parent, config.LinkInContainer) { Mtu = config.Mtu };
            var link = links.CreateChildLink(args.Netns, args.IfName, request);
            undo.Push($"delete {args.IfName}", () => links.DeleteLink(args.Netns, args.IfName));
            var result = ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, config.IpamType, undo, announce: false);
            result.Dns = config.Dns;
            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    public void Del(CmdArgs args) => ContainerLinkAttachment.Delete(links, ipam, args, VlanConfig.Parse(args.StdinData).IpamType);

    public void Check(CmdArgs args)
    {
        var config = VlanConfig.Parse(args.StdinData);
        ipam.Check(config.IpamType, args);
        var prev = ContainerLinkAttachment.PrevResult(config.PrevResult, args, Texts);
        var parent = ContainerLinkAttachment.ResolveParent(links, config.Master, args, config.LinkInContainer, mtu: null);
        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);

        // The reference's texts here are copied from tuning ("configured promisc"); ours say what is compared.
        if (link.Details is VlanKind vlan && vlan.Id != config.VlanId)
        {
            throw ContainerLinkAttachment.Fail($"Error: vlan link {link.Name} configured vlanId is {config.VlanId}, current value is {vlan.Id}");
        }

        ContainerLinkAttachment.CheckParent(link, parent, "Error: vlan link");

        if (config.Mtu != 0 && link.Mtu != config.Mtu)
        {
            throw ContainerLinkAttachment.Fail($"Error: vlan configured MTU of {link.Name} is {config.Mtu}, current value is {link.Mtu}");
        }

        ContainerLinkAttachment.CheckAddressing(args, prev, link);
    }

    public void Gc(CmdArgs args) => ipam.Gc(VlanConfig.Parse(args.StdinData).IpamType, args);

    public void Status(CmdArgs args) => ipam.Status(VlanConfig.Parse(args.StdinData).IpamType, args);
}
