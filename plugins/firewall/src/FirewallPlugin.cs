using LibCni.Config;
using LibCni.Netfilter;
using LibCni.Netlink;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Firewall;

/// <summary>
/// The firewall plugin: a chained plugin that allows the container's addresses through the host's
/// firewall (iptables CNI-FORWARD, nftables, or firewalld's trusted zone) and optionally isolates
/// bridges from each other (ingressPolicy), passing prevResult through unchanged.
/// </summary>
public sealed class FirewallPlugin(IIptablesTables iptables, Func<INftables> nftables, IFirewalld firewalld, string? iptablesLock = null, IBridgeLinks? links = null) : ICniPlugin
{
    public const string MissingPrevResult = "missing prevResult from earlier plugin";

    public static readonly IReadOnlyList<string> SupportedVersions = ["0.4.0", "1.0.0", "1.1.0"];

    public static FirewallPlugin CreateDefault() => new(IptablesRunner.Instance, NftClient.Open, new DbusFirewalld(), Directory.Exists("/run/lock") ? IptablesFirewall.DefaultLockPath : null);

    private readonly IBridgeLinks _links = links ?? new KernelBridgeLinks();

    public ICniResult Add(CmdArgs args)
    {
        var config = FirewallConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, MissingPrevResult, "firewall must be chained after a plugin that returns a result");
        }

        var bridge = IngressBridge(config);
        var request = new FirewallRequest(config.NetworkName, args.ContainerId, args.IfName, config);
        var backend = Choose(config.Backend);
        Run(() => backend.Add(request));
        try
        {
            if (bridge is not null)
            {
                var isolated = config.IngressPolicy == IngressPolicy.Isolated;
                // Under the host lock: a DEL deciding whether this bridge's rules may go sees our veth or our rules, never neither.
                using var held = HostLock();
                Run(() => Isolation(backend).Isolate(bridge, isolated, config.Addresses.Any(IpText.IsV4), config.Addresses.Any(a => !IpText.IsV4(a))));
            }
        }
        catch
        {
            backend.Del(request);
            throw;
        }

        return config.PrevResult;
    }

    public void Check(CmdArgs args)
    {
        var config = FirewallConfig.Parse(args.StdinData, args.ConfigVersion);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, MissingPrevResult, "firewall must be chained after a plugin that returns a result");
        }

        var bridge = IngressBridge(config);
        var backend = Choose(config.Backend);
        Run(() => backend.Check(new FirewallRequest(config.NetworkName, args.ContainerId, args.IfName, config)));
        if (bridge is not null)
        {
            Run(() => Isolation(backend).CheckIsolation(bridge, config.IngressPolicy == IngressPolicy.Isolated,
                config.Addresses.Any(IpText.IsV4), config.Addresses.Any(a => !IpText.IsV4(a))));
        }
    }

    /// <summary>
    /// Removes the attachment's rules from every backend, whichever the config names now: nftables by the
    /// container's tag (no prevResult needed), iptables and firewalld by prevResult's addresses when there
    /// are any and the backend is there. Then, with an ingress policy, the bridge's isolation rules go
    /// when this was its last attachment or the bridge is gone (unlike the reference, which keeps them).
    /// </summary>
    public void Del(CmdArgs args)
    {
        var config = FirewallConfig.Parse(args.StdinData, args.ConfigVersion);
        var request = new FirewallRequest(config.NetworkName, args.ContainerId, args.IfName, config);
        Run(() => new NftFirewall(nftables).Del(request));
        if (config.Addresses.Count > 0)
        {
            Run(() => new IptablesFirewall(iptables, iptablesLock).Del(request));
            if (firewalld.IsRunning())
            {
                new FirewalldFirewall(firewalld).Del(request);
            }
        }

        if (config.IngressPolicy != IngressPolicy.Open)
        {
            Run(() => CleanIsolation(config.PrevResult is null ? null : config.FirstInterface, config.HostPorts));
        }
    }

    /// <summary>
    /// Removes, in iptables and nftables, the isolation rules of <paramref name="bridge"/> when
    /// <see cref="IsolationCleanup.ShouldRemove"/> says so; without a bridge (no prevResult), those of
    /// every bridge that no longer exists. Under the host lock that ADD's isolation also takes.
    /// </summary>
    private void CleanIsolation(string? bridge, IReadOnlyList<string> ownPorts)
    {
        using var held = HostLock();
        IIngressIsolation[] places = [new IptablesFirewall(iptables), new NftFirewall(nftables)];
        if (!string.IsNullOrEmpty(bridge))
        {
            if (IsolationCleanup.ShouldRemove(_links.Ports(bridge), ownPorts))
            {
                foreach (var place in places)
                {
                    place.RemoveIsolation(bridge);
                }
            }

            return;
        }

        foreach (var place in places)
        {
            foreach (var gone in place.IsolatedBridges().Where(b => IsolationCleanup.ShouldRemove(_links.Ports(b), null)))
            {
                place.RemoveIsolation(gone);
            }
        }
    }

    private LibCni.Kernel.FileLock? HostLock() => iptablesLock is null ? null : LibCni.Kernel.FileLock.Acquire(iptablesLock);

    /// <summary>
    /// nftables rules carry the container: those of attachments outside the valid list go. iptables and
    /// firewalld rules name only addresses, so GC cannot tell whose they are. Isolation rules of bridges
    /// that no longer exist go too, from iptables and nftables.
    /// </summary>
    public void Gc(CmdArgs args)
    {
        var config = FirewallConfig.Parse(args.StdinData, args.ConfigVersion);
        var valid = GcAttachments.Parse(args.StdinData);
        if (valid is null)
        {
            return;
        }

        Run(() => new NftFirewall(nftables).Gc(config.NetworkName, valid.Select(a => a.ContainerId).ToHashSet(StringComparer.Ordinal)));
        Run(() => CleanIsolation(null, []));
    }

    /// <summary>Ready when the backend ADD would use can be reached.</summary>
    public void Status(CmdArgs args)
    {
        var config = FirewallConfig.Parse(args.StdinData, args.ConfigVersion);
        switch (config.Backend)
        {
            case FirewallBackend.Nftables:
                try
                {
                    using var nft = nftables();
                    nft.ListTables(NftFamily.Inet);
                }
                catch (Exception e) when (e is NetlinkException or IOException or UnauthorizedAccessException)
                {
                    throw new CniException(CniErrorCode.PluginNotAvailable, $"nftables is not usable: {e.Message}");
                }

                break;
            case FirewallBackend.Firewalld when !firewalld.IsRunning():
                throw new CniException(CniErrorCode.PluginNotAvailable, "firewalld is not running on the system bus");
            case FirewallBackend.Iptables or FirewallBackend.Auto when config.Backend == FirewallBackend.Iptables || !firewalld.IsRunning():
                if (!iptables.IsAvailable(false))
                {
                    throw new CniException(CniErrorCode.PluginNotAvailable, "iptables is not usable (iptables-save/iptables-restore missing or failing)");
                }

                break;
        }
    }

    /// <summary>The reference's choice for an empty backend: firewalld when it is running, else iptables.</summary>
    internal IFirewall Choose(FirewallBackend backend) => backend switch
    {
        FirewallBackend.Iptables => new IptablesFirewall(iptables, iptablesLock),
        FirewallBackend.Nftables => new NftFirewall(nftables),
        FirewallBackend.Firewalld => new FirewalldFirewall(firewalld),
        _ => firewalld.IsRunning() ? new FirewalldFirewall(firewalld) : new IptablesFirewall(iptables, iptablesLock),
    };

    /// <summary>Isolation lives in nftables for the nftables backend; otherwise in iptables, as the reference does even with firewalld. Called with the host lock held.</summary>
    private IIngressIsolation Isolation(IFirewall backend) => backend as NftFirewall as IIngressIsolation ?? new IptablesFirewall(iptables);

    /// <summary>The bridge to isolate (prevResult's first interface), or null for the open policy. Checked before anything changes.</summary>
    private static string? IngressBridge(FirewallConfig config)
    {
        if (config.IngressPolicy == IngressPolicy.Open)
        {
            return null;
        }

        var name = config.IngressPolicy == IngressPolicy.Isolated ? "isolated" : "same-bridge";
        return config.FirstInterface switch
        {
            null => throw new CniException(CniErrorCode.InvalidNetworkConfig,
                $"interface needs to be set for ingress policy \"{name}\", make sure to chain \"firewall\" plugin with \"bridge\""),
            "" => throw new CniException(CniErrorCode.InvalidNetworkConfig, "got empty bridge name"),
            var bridge => bridge,
        };
    }

    /// <summary>Kernel and tool failures become spec errors (code 999) with their message.</summary>
    private static void Run(Action action)
    {
        try
        {
            action();
        }
        catch (NetlinkException e)
        {
            throw new CniException(CniErrorCode.Internal, e.Message);
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, e.Message);
        }
    }
}
