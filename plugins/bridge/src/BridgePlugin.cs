using LibCni;
using LibCni.Config;
using LibCni.Interfaces;
using LibCni.Json;
using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.Netfilter.Masquerade;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>
/// The bridge plugin: a veth per container with its host end on a Linux bridge, addresses from a
/// delegated IPAM plugin, optional gateway, masquerade and MAC anti-spoofing. ADD is all-or-nothing:
/// every effect pushes its undo, and a failure runs them in reverse before the error is returned.
/// </summary>
public sealed class BridgePlugin(IBridgeKernel kernel, IContainerInterfaces links, IDelegatePlugin ipam, Masquerading masquerading, ISpoofCheck spoofCheck) : ICniPlugin
{
    public static BridgePlugin CreateDefault()
    {
        var links = new KernelContainerInterfaces();
        return new(new KernelBridge(links), links, ExecDelegatePlugin.Instance, Masquerading.Default, new NftSpoofCheck(NftClient.Open));
    }

    public ICniResult Add(CmdArgs args)
    {
        var config = BridgeConfig.Parse(args.StdinData, args.ParsedArgs);
        if (!config.IsLayer3 && SpecVersions.FamilyOf(config.CniVersion) == ResultFamily.V020)
        {
            // Checked up front: the reference creates everything and only then fails to print the result.
            throw new CniException(CniErrorCode.Internal, "cannot convert: no valid IP addresses", "an L2-only bridge (no ipam) has no result in spec 0.1.0/0.2.0");
        }

        return Rollback.Run("bridge", args.Log, undo => AddWithUndo(args, config, undo));
    }

    private Result100 AddWithUndo(CmdArgs args, BridgeConfig config, Rollback undo)
    {
        // An unpinned bridge takes the lowest MAC among its ports as each joins, so a bridge that will carry the gateway
        // is pinned before our port joins: containers' ARP entries for the gateway stay valid as pods come and go. The
        // reference pins only the link that gets the gateway address (not a VLAN gateway's bridge, not an L2 bridge).
        var gatewayOnBridge = config.IsLayer3 && config.IsGateway && config.Vlan == 0;
        var bridge = kernel.EnsureBridge(config.BridgeName, config.Mtu, config.VlanFiltering, config.PromiscMode, pinMac: gatewayOnBridge);
        var (hostVeth, containerVeth) = links.CreateVeth(args.Netns, args.IfName, config.Mtu, config.Mac);
        undo.Push($"delete {hostVeth.Name}", () => links.DeleteHostLink(hostVeth.Name));

        kernel.AttachPort(hostVeth, bridge, new PortSettings(config.HairpinMode, config.PortIsolation, config.Vlan, config.TrunkVlans, config.PreserveDefaultVlan));

        var result = new Result100
        {
            CniVersion = SpecVersions.Current,
            Interfaces =
            [
                new Interface100 { Name = bridge.Name, Mac = bridge.Mac },
                new Interface100 { Name = hostVeth.Name, Mac = hostVeth.Mac },
                new Interface100 { Name = containerVeth.Name, Mac = containerVeth.Mac, Sandbox = args.Netns },
            ],
        };

        if (config.MacSpoofCheck)
        {
            var attachment = $"{args.ContainerId}-{args.IfName}";
            spoofCheck.Setup(hostVeth.Name, containerVeth.Mac, attachment);
            undo.Push($"remove spoof check {attachment}", () => spoofCheck.Teardown(attachment));
        }

        if (config.IsLayer3)
        {
            var ipamResult = ResultConverter.ToResult100(ipam.Add(config.IpamType!, args));
            undo.Push($"IPAM DEL via {config.IpamType}", () => ipam.Del(config.IpamType!, args));
            result.Ips = ipamResult.Ips ?? [];
            result.Routes = ipamResult.Routes ?? [];
            result.Dns = ipamResult.Dns;
            if (result.Ips.Count == 0)
            {
                throw new CniException(CniErrorCode.Internal, "IPAM plugin returned missing IP config", $"ipam type \"{config.IpamType}\"");
            }

            var (v4, v6) = GatewayPlanner.Plan(result, config);
            links.Configure(args.Netns, args.IfName, new InterfaceAddressing(result.Ips, result.Routes, config.EnableDad, Announce: true));

            if (config.IsGateway)
            {
                ConfigureGateways(config, bridge, result, v4, v6);
            }

            if (config.IpMasq)
            {
                var addresses = result.Ips.Select(ip => ip.Address).ToList();
                var masq = masquerading.Setup("bridge", config.MasqBackend, config.NetworkName, args.ContainerId, args.IfName, addresses, args.Log);
                undo.Push("remove masquerade", () => masq.Teardown(config.NetworkName, args.ContainerId, args.IfName, addresses));
            }
        }
        else if (!config.DisableContainerInterface)
        {
            links.SetLinkUp(args.Netns, args.IfName);
        }

        if (!config.DisableContainerInterface)
        {
            hostVeth = links.WaitHostLinkUp(hostVeth.Name, "bridge port");
        }

        // An unpinned bridge's MAC may have changed as ports joined; report what it is now.
        result.Interfaces[1].Mac = hostVeth.Mac;
        result.Interfaces[0].Mac = links.GetHostLink(bridge.Name).Mac;
        if (config.Dns is not null)
        {
            result.Dns = config.Dns;
        }

        return result.Normalized();
    }

    private void ConfigureGateways(BridgeConfig config, LinkRef bridge, Result100 result, FamilyGateways v4, FamilyGateways v6)
    {
        LinkRef? vlanLink = null;
        foreach (var family in new[] { v4, v6 })
        {
            foreach (var gateway in family.Gateways)
            {
                var target = bridge;
                if (config.Vlan != 0)
                {
                    if (vlanLink is null)
                    {
                        vlanLink = kernel.EnsureVlanGatewayLink(bridge, config.Vlan, config.Mtu, config.PreserveDefaultVlan);
                        result.Interfaces!.Add(new Interface100 { Name = vlanLink.Name, Mac = vlanLink.Mac });
                    }

                    target = vlanLink;
                }

                kernel.EnsureGatewayAddress(target, gateway, config.ForceAddress);
            }

            if (family.Gateways.Count > 0)
            {
                links.EnableForwarding(family.IsV4, !family.IsV4);
            }
        }
    }

    public void Del(CmdArgs args)
    {
        BridgeConfig config;
        try
        {
            config = BridgeConfig.Parse(args.StdinData, args.ParsedArgs);
        }
        catch (CniException e) when (e.Code is CniErrorCode.InvalidNetworkConfig or CniErrorCode.InvalidEnvironmentVariables)
        {
            // The attachment may come from an implementation that accepts this config: release what we can.
            args.Log.WriteLine($"bridge: DEL with a config ADD would refuse ({e.Message}); releasing what it names");
            config = BridgeConfig.ParseForTeardown(args.StdinData);
        }

        // The firewall teardown runs beside the veth delete, and IPAM DEL too when it needs no link (dhcp does):
        // the kernel takes about as long to delete a veth as a host-local exec takes, and a commit that deletes
        // rules leaves work the kernel finishes an RCU grace period later, which closing the nfnetlink socket
        // waits for. IPAM's error comes first, as in the reference, where a failed IPAM DEL ends the DEL (here
        // the veth is gone by then; the runtime's retry finds nothing to delete).
        string? spoofFailure = null;
        ContainerLinkAttachment.DeleteBeside(() =>
            {
                try
                {
                    if (args.Netns.Length > 0)
                    {
                        links.DeleteLink(args.Netns, args.IfName);
                    }
                }
                catch (NetnsNotFoundException)
                {
                    // The runtime already removed the namespace and the veth with it.
                }
            },
            ipam, args, config.IsLayer3 ? config.IpamType : null,
            ("rules-del", config.MacSpoofCheck || (config.IsLayer3 && config.IpMasq) ? () => { spoofFailure = TeardownRules(config, args); } : null));

        if (spoofFailure is not null)
        {
            args.Log.WriteLine($"bridge: spoof check teardown: {spoofFailure}");
        }
    }

    /// <summary>The spoof check's chains (a failure is only reported back) and the masquerade rules of the attachment.</summary>
    private string? TeardownRules(BridgeConfig config, CmdArgs args)
    {
        string? spoofFailure = null;
        if (config.MacSpoofCheck)
        {
            try
            {
                spoofCheck.Teardown($"{args.ContainerId}-{args.IfName}");
            }
            catch (Exception e) when (e is IOException or CniException or InvalidOperationException)
            {
                spoofFailure = e.Message;
            }
        }

        if (config.IsLayer3 && config.IpMasq)
        {
            // Rules are found by their tag, so this works even when the netns (and its addresses) is gone. Both
            // backends: the attachment may come from the reference (iptables by default) or another config.
            masquerading.Teardown("bridge", config.NetworkName, args.ContainerId, args.IfName, []);
        }

        return spoofFailure;
    }

    public void Check(CmdArgs args)
    {
        var config = BridgeConfig.Parse(args.StdinData, args.ParsedArgs);
        if (config.IsLayer3)
        {
            ipam.Check(config.IpamType!, args);
        }

        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "Required prevResult missing");
        }

        var prev = ResultConverter.ToResult100(CniJson.ParsePrevResult(config.PrevResult.Value, args.ConfigVersion));
        BridgeChecker.Verify(links, config, args, prev);
    }

    /// <summary>
    /// GC: forwarded to the IPAM plugin (spec: GC reaches delegates), then the masquerade rules of attachments
    /// no longer valid are removed. Every step runs even if an earlier one failed; the first error is returned.
    /// </summary>
    public void Gc(CmdArgs args)
    {
        var config = BridgeConfig.Parse(args.StdinData, args.ParsedArgs);
        var failures = new List<Exception>();
        if (config.IsLayer3)
        {
            Try(() => ipam.Gc(config.IpamType!, args), failures);
        }

        if (config.IpMasq && GcAttachments.Parse(args.StdinData) is { } valid)
        {
            var attachments = valid.Select(a => (a.ContainerId, a.IfName)).ToList();
            Try(() => masquerading.Gc("bridge", config.NetworkName, attachments), failures);
        }

        if (failures.Count > 0)
        {
            throw failures[0] is CniException cni ? cni : new CniException(CniErrorCode.Internal, string.Join("; ", failures.Select(f => f.Message)));
        }
    }

    private static void Try(Action step, List<Exception> failures)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is CniException or IOException or InvalidOperationException)
        {
            failures.Add(e);
        }
    }

    public void Status(CmdArgs args)
    {
        var config = BridgeConfig.Parse(args.StdinData, args.ParsedArgs);
        if (config.IsLayer3)
        {
            ipam.Status(config.IpamType!, args);
        }
    }
}
