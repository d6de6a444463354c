using LibCni;
using LibCni.Config;
using LibCni.Interfaces;
using LibCni.Json;
using LibCni.Kernel;
using LibCni.Netfilter.Masquerade;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Ptp;

/// <summary>
/// The ptp plugin: a veth per container with no bridge. The host end carries each gateway as a /32 (/128) and a
/// host route to the container address; in the container every destination, its own subnet included, goes
/// through the gateway. Addresses from a delegated IPAM plugin; optional ipMasq. ADD is all-or-nothing (the
/// reference leaves the veth behind on a late failure; we remove it).
/// </summary>
public sealed class PtpPlugin(IContainerInterfaces links, IPtpKernel kernel, IDelegatePlugin ipam, Masquerading masquerading) : ICniPlugin
{
    public static PtpPlugin CreateDefault()
    {
        var links = new KernelContainerInterfaces();
        return new(links, new KernelPtp(links), ExecDelegatePlugin.Instance, Masquerading.Default);
    }

    public ICniResult Add(CmdArgs args)
    {
        var config = PtpConfig.Parse(args.StdinData);
        return Rollback.Run("ptp", args.Log, undo => AddWithUndo(args, config, undo));
    }

    private Result100 AddWithUndo(CmdArgs args, PtpConfig config, Rollback undo)
    {
        var result = ResultConverter.ToResult100(ipam.Add(config.IpamType, args));
        undo.Push($"IPAM DEL via {config.IpamType}", () => ipam.Del(config.IpamType, args));
        var ips = result.Ips ?? [];
        if (ips.Count == 0)
        {
            throw new CniException(CniErrorCode.Internal, "IPAM plugin returned missing IP config", $"ipam type \"{config.IpamType}\"");
        }

        // Checked before anything is made: every address is routed through its gateway.
        if (ips.FirstOrDefault(ip => ip.Gateway is null) is { } noGateway)
        {
            throw new CniException(CniErrorCode.Internal, $"IPAM result address {noGateway.Address} has no gateway",
                $"ptp routes the container through the gateway; give the IPAM config (\"{config.IpamType}\") a gateway");
        }

        links.EnableForwarding(ips.Any(ip => ip.Address.IsV4), ips.Any(ip => !ip.Address.IsV4));

        var (hostVeth, containerVeth) = links.CreateVeth(args.Netns, args.IfName, config.Mtu, null);
        undo.Push($"delete {hostVeth.Name}", () => links.DeleteHostLink(hostVeth.Name));
        foreach (var ip in ips)
        {
            ip.Interface = 1;
        }

        result.Interfaces =
        [
            new Interface100 { Name = hostVeth.Name, Mac = hostVeth.Mac },
            new Interface100 { Name = containerVeth.Name, Mac = containerVeth.Mac, Sandbox = args.Netns },
        ];
        result.Routes ??= [];
        links.Configure(args.Netns, args.IfName, new InterfaceAddressing(ips, result.Routes));
        kernel.RouteThroughGateway(args.Netns, args.IfName, ips);
        kernel.SetupHostVeth(hostVeth.Name, ips);

        if (config.IpMasq)
        {
            var addresses = ips.Select(ip => ip.Address).ToList();
            var masq = masquerading.Setup("ptp", config.MasqBackend, config.NetworkName, args.ContainerId, args.IfName, addresses, args.Log);
            undo.Push("remove masquerade", () => masq.Teardown(config.NetworkName, args.ContainerId, args.IfName, addresses));
        }

        if (config.Dns is not null)
        {
            result.Dns = config.Dns;
        }

        result.CniVersion = SpecVersions.Current;
        return result.Normalized();
    }

    /// <summary>
    /// IPAM DEL first (its error fails the DEL, as in the reference), then the container veth (its host end and
    /// routes go with it), then the masquerade rules, found by their tag so this works with the netns gone.
    /// </summary>
    public void Del(CmdArgs args)
    {
        var config = PtpConfig.Parse(args.StdinData);
        // As bridge's DEL: the masquerade teardown (and IPAM DEL, when it needs no link) beside the veth delete.
        ContainerLinkAttachment.DeleteBeside(() =>
            {
                if (args.Netns.Length > 0)
                {
                    try
                    {
                        links.DeleteLink(args.Netns, args.IfName);
                    }
                    catch (NetnsNotFoundException)
                    {
                        // The runtime already removed the namespace and the veth with it.
                    }
                }
            },
            ipam, args, config.IpamType,
            ("masq-del", config.IpMasq ? () => masquerading.Teardown("ptp", config.NetworkName, args.ContainerId, args.IfName, []) : null));
    }

    public void Check(CmdArgs args)
    {
        var config = PtpConfig.Parse(args.StdinData);
        ipam.Check(config.IpamType, args);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "ptp: Required prevResult missing");
        }

        var prev = ResultConverter.ToResult100(CniJson.ParsePrevResult(config.PrevResult.Value, args.ConfigVersion));
        PtpChecker.Verify(links, args, prev);
    }

    /// <summary>GC: forwarded to IPAM, then the masquerade rules of attachments no longer valid (the reference has no GC).</summary>
    public void Gc(CmdArgs args)
    {
        var config = PtpConfig.Parse(args.StdinData);
        ipam.Gc(config.IpamType, args);
        if (config.IpMasq && GcAttachments.Parse(args.StdinData) is { } valid)
        {
            masquerading.Gc("ptp", config.NetworkName, valid.Select(a => (a.ContainerId, a.IfName)).ToList());
        }
    }

    public void Status(CmdArgs args) => ipam.Status(PtpConfig.Parse(args.StdinData).IpamType, args);
}

/// <summary>CHECK of a ptp attachment, with the reference's texts: the container veth of prevResult, its addresses and routes.</summary>
public static class PtpChecker
{
    public static void Verify(IContainerInterfaces links, CmdArgs args, Result100 prev)
    {
        var entry = (prev.Interfaces ?? []).LastOrDefault(i => i.Name == args.IfName && i.Sandbox == args.Netns);
        if (entry is null)
        {
            throw Fail($"Sandbox in prevResult  doesn't match configured netns: {args.Netns}");
        }

        var link = links.Inspect(args.Netns, entry.Name) ?? throw Fail($"ptp: Container Interface name in prevResult: {entry.Name} not found");
        if (link.Kind != "veth")
        {
            throw Fail($"Error: Container interface {link.Name} not of type veth/p2p");
        }

        if (!string.IsNullOrEmpty(entry.Mac) && entry.Mac != link.Mac)
        {
            throw Fail($"ptp: Interface {entry.Name} Mac {entry.Mac} doesn't match container Mac: {link.Mac}");
        }

        InterfaceValidators.ExpectAddresses(args.IfName, prev.Ips ?? [], link);
        InterfaceValidators.ExpectRoutes(prev.Routes ?? [], link);
    }

    private static CniException Fail(string message) => new(CniErrorCode.Internal, message);
}
