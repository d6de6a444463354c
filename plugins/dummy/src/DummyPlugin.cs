using LibCni;
using LibCni.Config;
using LibCni.Interfaces;
using LibCni.Json;
using LibCni.Netlink.Route;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Dummy;

/// <summary>
/// The dummy plugin: a dummy link in the container with addresses from IPAM (required), for a pod that only
/// needs an address of its own. IPAM's routes and DNS are kept, as the reference.
/// </summary>
public sealed class DummyPlugin(IContainerInterfaces links, IDelegatePlugin ipam) : ICniPlugin
{
    private const string Context = "failed to parse network config";
    private static readonly CheckTexts Texts = new("dummy", "dummy: Required prevResult missing");

    public static DummyPlugin CreateDefault() => new(new KernelContainerInterfaces(), ExecDelegatePlugin.Instance);

    private static (NetConf Conf, string IpamType) Parse(CmdArgs args)
    {
        var conf = CniJson.Decode(args.StdinData, NetConf.Read, Context);
        return (conf, string.IsNullOrEmpty(conf.IpamType)
            ? throw new CniException(CniErrorCode.InvalidNetworkConfig, "dummy interface requires an IPAM configuration", "\"ipam\": {\"type\": ...} is missing")
            : conf.IpamType);
    }

    public ICniResult Add(CmdArgs args)
    {
        var (_, ipamType) = Parse(args);
        return Rollback.Run("dummy", args.Log, undo =>
        {
            var link = links.CreateChildLink(args.Netns, args.IfName, new ChildLinkRequest(new DummyKind(), null));
            undo.Push($"delete {args.IfName}", () => links.DeleteLink(args.Netns, args.IfName));
            var result = ContainerLinkAttachment.AddressFromIpam(links, ipam, args, link, ipamType, undo, announce: false);
            result.CniVersion = SpecVersions.Current;
            return result.Normalized();
        });
    }

    public void Del(CmdArgs args)
    {
        var conf = CniJson.Decode(args.StdinData, NetConf.Read, Context);
        ContainerLinkAttachment.Delete(links, ipam, args, conf.IpamType);
    }

    /// <summary>The link's kind, MAC, that it is up, and its addresses; routes are not compared, as in the reference.</summary>
    public void Check(CmdArgs args)
    {
        var (conf, ipamType) = Parse(args);
        ipam.Check(ipamType, args);
        var prev = ContainerLinkAttachment.PrevResult(conf.HasPrevResult ? conf.PrevResult : null, args, Texts);
        var link = ContainerLinkAttachment.CheckInterface(links, args, prev, Texts);
        if (!link.IsUp)
        {
            throw ContainerLinkAttachment.Fail($"Interface {link.Name} is down");
        }

        ContainerLinkAttachment.CheckAddressing(args, prev, link, routes: false);
    }

    public void Gc(CmdArgs args) => ContainerLinkAttachment.Gc(ipam, CniJson.Decode(args.StdinData, NetConf.Read, Context).IpamType, args);

    public void Status(CmdArgs args) => ipam.Status(Parse(args).IpamType, args);
}
