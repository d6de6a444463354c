using LibCni.Config;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Portmap;

/// <summary>
/// The portmap plugin: a chained plugin that forwards host ports to the container from
/// <c>runtimeConfig.portMappings</c>, passing prevResult through unchanged.
/// </summary>
public sealed class PortmapPlugin(Func<PortmapBackend, IPortForwarder> backends, IPortmapHost host) : ICniPlugin
{
    public static PortmapPlugin CreateDefault() => new(Backends.For, new KernelPortmapHost());

    public ICniResult Add(CmdArgs args)
    {
        var config = PortmapConfig.Parse(args.StdinData, args.IfName, args.ConfigVersion);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "must be called as chained plugin", "portmap needs prevResult from the plugin before it");
        }

        if (config.Mappings.Count == 0)
        {
            return config.PrevResult;
        }

        var request = new PortmapRequest(config.NetworkName, args.ContainerId, args.IfName, config);
        var forwarder = Forward(config, request, args);
        try
        {
            foreach (var ipv4 in new[] { true, false })
            {
                if (request.ContainerAddress(ipv4) is null)
                {
                    continue;
                }

                FlushConntrack(args, request, ipv4);
                if (ipv4 && config.Snat)
                {
                    try
                    {
                        if (!host.EnableRouteLocalnet(config.ContainerV4!.Value.Address))
                        {
                            args.Log.WriteLine($"portmap: no host route to {IpText.Format(config.ContainerV4!.Value.Address)}; route_localnet not set (localhost access to the mapped ports will not work)");
                        }
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new CniException(CniErrorCode.Internal, $"unable to enable route_localnet: {e.Message}");
                    }
                }
            }
        }
        catch
        {
            forwarder.Unforward(config.NetworkName, args.ContainerId);
            throw;
        }

        return config.PrevResult;
    }

    public void Del(CmdArgs args)
    {
        var config = PortmapConfig.Parse(args.StdinData, args.IfName, args.ConfigVersion);

        // Rules are tagged with the container ID, so DEL works without portMappings or prevResult. Both
        // backends: the container may have been mapped by the reference (iptables by default) or another config.
        LibCni.Netfilter.BackendFallback.InBoth("portmap teardown",
            () => backends(PortmapBackend.NfTables).Unforward(config.NetworkName, args.ContainerId),
            () => backends(PortmapBackend.IpTables).Unforward(config.NetworkName, args.ContainerId));
    }

    /// <summary>The configured backend, or nftables with a fall back to iptables where nftables does not work.</summary>
    private IPortForwarder Forward(PortmapConfig config, PortmapRequest request, CmdArgs args) =>
        LibCni.Netfilter.BackendFallback.SetupPreferringNftables("portmap", config.Backend is { } asked ? backends(asked) : null,
            () => backends(PortmapBackend.NfTables), () => backends(PortmapBackend.IpTables),
            b => b.Forward(request), b => b.Unforward(config.NetworkName, args.ContainerId), args.Log);

    public void Check(CmdArgs args)
    {
        var config = PortmapConfig.Parse(args.StdinData, args.IfName, args.ConfigVersion);
        if (config.Mappings.Count == 0)
        {
            return;
        }

        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "must be called as chained plugin", "portmap needs prevResult from the plugin before it");
        }

        // The rules may be in either backend (made by the reference, or before a fall back): the configured
        // (or default) one is asked first, the other only when the first misses them.
        var request = new PortmapRequest(config.NetworkName, args.ContainerId, args.IfName, config);
        var first = config.Backend ?? PortmapBackend.NfTables;
        try
        {
            backends(first).Check(request);
        }
        catch (Exception e) when (e is CniException or IOException)
        {
            try
            {
                backends(first == PortmapBackend.NfTables ? PortmapBackend.IpTables : PortmapBackend.NfTables).Check(request);
            }
            catch (Exception second) when (second is CniException or IOException)
            {
                throw e is CniException cni ? cni : new CniException(CniErrorCode.Internal, e.Message);
            }
        }
    }

    public void Gc(CmdArgs args)
    {
        var config = PortmapConfig.Parse(args.StdinData, args.IfName, args.ConfigVersion);
        var valid = ValidAttachments(args.StdinData);
        if (valid is null)
        {
            return;
        }

        LibCni.Netfilter.BackendFallback.InBoth("portmap GC",
            () => backends(PortmapBackend.NfTables).Gc(config.NetworkName, valid),
            () => backends(PortmapBackend.IpTables).Gc(config.NetworkName, valid));
    }

    /// <summary>Container IDs of the valid attachments; null when the request carries no list (nothing to collect).</summary>
    internal static IReadOnlySet<string>? ValidAttachments(byte[] stdin) =>
        GcAttachments.Parse(stdin)?.Select(a => a.ContainerId).ToHashSet(StringComparer.Ordinal);

    private void FlushConntrack(CmdArgs args, PortmapRequest request, bool ipv4)
    {
        var udpPorts = request.MappingsFor(ipv4).Where(m => m.Protocol == "udp").Select(m => m.HostPort).Distinct().ToList();
        if (udpPorts.Count == 0)
        {
            return;
        }

        try
        {
            host.FlushUdpConntrack(ipv4, udpPorts);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // A stale entry only delays traffic until it expires; never fail the ADD for it.
            args.Log.WriteLine($"portmap: could not flush UDP conntrack entries: {e.Message}");
        }
    }
}
