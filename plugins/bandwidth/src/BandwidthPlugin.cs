using System.Text;
using System.Text.RegularExpressions;
using LibCni.Config;
using LibCni.Kernel;
using LibCni.Netlink.Tc;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Bandwidth;

/// <summary>
/// The bandwidth plugin: a chained plugin that shapes a veth attachment with token buckets. Traffic towards the
/// container is shaped by a TBF on the host veth; traffic from it is redirected from the host veth's ingress to an
/// ifb (<c>bwp</c> + 12 hex of SHA-512(network name + container ID)) whose TBF shapes it.
/// </summary>
public sealed partial class BandwidthPlugin(IBandwidthKernel kernel) : ICniPlugin
{
    public static readonly IReadOnlyList<string> SupportedVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    /// <summary>IFLA_IFALIAS prefix on the ifbs we make: GC only collects this network's.</summary>
    public const string AliasPrefix = "cni-bandwidth:";

    public static BandwidthPlugin CreateDefault() => new(new KernelBandwidth());

    public static string IfbName(string networkName, string containerId) =>
        "bwp" + Convert.ToHexStringLower(LibCni.Netfilter.Sha512.HashData(Encoding.UTF8.GetBytes(networkName + containerId)))[..12];

    public static string AliasFor(string networkName)
    {
        var alias = AliasPrefix + networkName;
        return alias.Length > 255 ? alias[..255] : alias;
    }

    [GeneratedRegex("^bwp[0-9a-f]{12}$")]
    private static partial Regex IfbPattern();

    public ICniResult Add(CmdArgs args)
    {
        var config = BandwidthConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.Limits is not { IsZero: false } limits)
        {
            return config.PrevResult ?? throw ChainedOnly("must be called as chained plugin");
        }

        if (config.PrevResult is null)
        {
            throw ChainedOnly("must be called as chained plugin");
        }

        var result = ResultConverter.ToResult100(config.PrevResult);
        var host = FindHostInterface(result, args);
        var undo = new Stack<(string What, Action Action)>();
        try
        {
            if (limits.ShapesIngress)
            {
                var hostLink = kernel.GetLink(host) ?? throw Failure($"get host device: Link not found");
                KernelCall.Run(() => kernel.AddRootTbf(hostLink.Index, kernel.Tbf(limits.IngressRate, limits.IngressBurst)), "create qdisc");
                undo.Push(("root qdisc on " + host, () => kernel.DeleteRootQdisc(hostLink.Index)));
            }

            if (limits.ShapesEgress)
            {
                var hostLink = kernel.GetLink(host) ?? throw Failure($"Link not found");
                var ifbName = IfbName(config.Name, args.ContainerId);
                KernelCall.Run(() => kernel.AddIfb(ifbName, hostLink.Mtu, AliasFor(config.Name)), "adding link");
                var ifb = kernel.GetLink(ifbName) ?? throw Failure("get ifb device: Link not found");
                undo.Push(("ifb " + ifbName, () => kernel.DeleteLink(ifb.Index)));
                result.Interfaces ??= [];
                result.Interfaces.Add(new Interface100 { Name = ifbName, Mac = ifb.Mac });
                KernelCall.Run(() => kernel.AddIngress(hostLink.Index), "create ingress qdisc");
                undo.Push(("ingress qdisc on " + host, () => kernel.DeleteIngressQdisc(hostLink.Index)));
                KernelCall.Run(() => kernel.AddRedirectFilter(hostLink.Index, ifb.Index), "add filter");
                KernelCall.Run(() => kernel.AddRootTbf(ifb.Index, kernel.Tbf(limits.EgressRate, limits.EgressBurst)), "create ifb qdisc: create qdisc");
            }
        }
        catch
        {
            Undo(undo, args.Log);
            throw;
        }

        return result;
    }

    public void Del(CmdArgs args)
    {
        var config = BandwidthConfig.Parse(args.StdinData, args.ConfigVersion);
        var ifbName = IfbName(config.Name, args.ContainerId);
        if (kernel.GetLink(ifbName) is { } ifb)
        {
            try
            {
                kernel.DeleteLink(ifb.Index);
            }
            catch (LibCni.Netlink.NetlinkException e) when (e.Errno == Errno.ENODEV)
            {
            }
        }

        RemoveHostQdiscs(config, args);
    }

    public void Check(CmdArgs args)
    {
        var config = BandwidthConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.PrevResult is null)
        {
            throw ChainedOnly("must be called as a chained plugin");
        }

        var result = ResultConverter.ToResult100(config.PrevResult);
        var host = FindHostInterface(result, args);
        var hostLink = kernel.GetLink(host) ?? throw Failure("Link not found");
        if (config.Limits is not { IsZero: false } limits)
        {
            return;
        }

        if (limits.ShapesIngress)
        {
            VerifyTbf(kernel.ListQdiscs(hostLink.Index), kernel.Tbf(limits.IngressRate, limits.IngressBurst));
        }

        if (limits.ShapesEgress)
        {
            var ifb = kernel.GetLink(IfbName(config.Name, args.ContainerId)) ?? throw Failure("get ifb device: Link not found");
            VerifyTbf(kernel.ListQdiscs(ifb.Index), kernel.Tbf(limits.EgressRate, limits.EgressBurst));
        }
    }

    /// <summary>Removes this network's ifbs whose attachment is not valid any more.</summary>
    public void Gc(CmdArgs args)
    {
        var config = BandwidthConfig.Parse(args.StdinData, args.ConfigVersion);
        if (GcAttachments.Parse(args.StdinData) is not { } valid)
        {
            return;
        }

        var keep = valid.Select(a => IfbName(config.Name, a.ContainerId)).ToHashSet(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var link in StaleIfbs(kernel.ListLinks(), keep, config.Name))
        {
            try
            {
                kernel.DeleteLink(link.Index);
            }
            catch (LibCni.Netlink.NetlinkException e) when (e.Errno == Errno.ENODEV)
            {
            }
            catch (IOException e)
            {
                errors.Add($"delete {link.Name}: {e.Message}");
            }
        }

        if (errors.Count > 0)
        {
            throw Failure(string.Join("; ", errors));
        }
    }

    /// <summary>
    /// ifbs GC removes: named bwp + 12 hex, carrying our alias for this network, and not one of <paramref name="keep"/>.
    /// Unmarked ifbs (the reference's) are kept: their name is a hash, so nothing tells which network made them.
    /// </summary>
    internal static IEnumerable<HostLink> StaleIfbs(IEnumerable<HostLink> links, IReadOnlySet<string> keep, string networkName) =>
        links.Where(l => l.Kind == "ifb" && IfbPattern().IsMatch(l.Name) && !keep.Contains(l.Name) && l.Alias == AliasFor(networkName));

    /// <summary>
    /// CHECK's comparison: the root qdisc must be a tbf with the configured rate, limit and buffer. The reference
    /// stops at the first qdisc of another kind, so a removed tbf (the ingress qdisc listed first) passes there.
    /// </summary>
    internal static void VerifyTbf(IReadOnlyList<QdiscInfo> qdiscs, TbfParameters expected)
    {
        if (qdiscs.FirstOrDefault(q => q.IsRoot && q.Tbf is not null)?.Tbf is not { } tbf)
        {
            throw Failure("Failed to find qdisc");
        }

        if (tbf.Rate != expected.Rate)
        {
            throw Failure("Rate doesn't match");
        }

        if (tbf.Limit != expected.Limit)
        {
            throw Failure("Limit doesn't match");
        }

        if (tbf.Buffer != expected.Buffer)
        {
            throw Failure("Buffer doesn't match");
        }
    }

    /// <summary>The prevResult interface that is the host end of CNI_IFNAME's veth (the reference's getHostInterface).</summary>
    private string FindHostInterface(Result100 result, CmdArgs args)
    {
        if (result.Interfaces is not { Count: > 0 } interfaces)
        {
            throw Failure("no interfaces provided");
        }

        int peerIndex;
        try
        {
            peerIndex = kernel.VethPeerIndex(args.Netns, args.IfName);
        }
        catch (NetnsNotFoundException e)
        {
            // The reference prints its nil handle here: keep its text.
            throw Failure($"failed to open netns %!q(<nil>): {e.Message}");
        }
        catch (IOException e)
        {
            throw Failure($"container interface {args.IfName} has no veth peer: {e.Message}");
        }

        if (peerIndex <= 0)
        {
            throw Failure($"container interface {args.IfName} has no veth peer: <nil>");
        }

        var link = kernel.GetLink(peerIndex) ?? throw Failure($"veth peer with index {peerIndex} is not in host ns");
        return interfaces.FirstOrDefault(i => string.IsNullOrEmpty(i.Sandbox) && i.Name == link.Name)?.Name
            ?? throw Failure("no veth peer of container interface found in host ns");
    }

    /// <summary>
    /// DEL, beyond the reference: our qdiscs on the host veth go too when it still exists, so a veth that outlives
    /// the pod is not left redirecting into an ifb that is gone. Best effort: DEL succeeds regardless.
    /// </summary>
    private void RemoveHostQdiscs(BandwidthConfig config, CmdArgs args)
    {
        if (config.Limits is not { IsZero: false } limits || config.PrevResult is null || args.Netns.Length == 0)
        {
            return;
        }

        try
        {
            var host = FindHostInterface(ResultConverter.ToResult100(config.PrevResult), args);
            if (kernel.GetLink(host) is not { } hostLink)
            {
                return;
            }

            var qdiscs = kernel.ListQdiscs(hostLink.Index);
            if (limits.ShapesIngress && qdiscs.Any(q => q.IsRoot && q.Kind == "tbf" && q.Handle == TcConstants.MakeHandle(1, 0)))
            {
                kernel.DeleteRootQdisc(hostLink.Index);
            }

            if (limits.ShapesEgress && qdiscs.Any(q => q.Kind == "ingress"))
            {
                kernel.DeleteIngressQdisc(hostLink.Index);
            }
        }
        catch (Exception e) when (e is CniException or IOException)
        {
            args.Log.WriteLine($"bandwidth: host veth qdiscs left in place: {e.Message}");
        }
    }

    private static void Undo(Stack<(string What, Action Action)> undo, TextWriter log)
    {
        while (undo.Count > 0)
        {
            var (what, action) = undo.Pop();
            try
            {
                action();
            }
            catch (IOException e)
            {
                log.WriteLine($"bandwidth: undoing a failed ADD: could not remove {what}: {e.Message}");
            }
        }
    }

    private static CniException ChainedOnly(string message) => new(CniErrorCode.InvalidNetworkConfig, message);

    private static CniException Failure(string message) => new(CniErrorCode.Internal, message);
}
