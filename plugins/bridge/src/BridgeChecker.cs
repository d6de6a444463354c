using LibCni.Interfaces;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>CHECK: the bridge, the container veth and its host peer, addresses and routes of prevResult all still there.</summary>
public static class BridgeChecker
{
    public static void Verify(IContainerInterfaces kernel, BridgeConfig config, CmdArgs args, Result100 prev)
    {
        var interfaces = prev.Interfaces ?? [];
        var bridgeEntry = interfaces.FirstOrDefault(i => i.Name == config.BridgeName);
        var containerEntry = interfaces.FirstOrDefault(i => i.Name == args.IfName && i.Sandbox == args.Netns);
        if (containerEntry is null)
        {
            var named = interfaces.FirstOrDefault(i => i.Name == args.IfName);
            if (named is not null)
            {
                throw Fail($"Sandbox in prevResult {named.Sandbox} doesn't match configured netns: {args.Netns}");
            }

            throw Fail($"CNI created interface in container {args.IfName} not found");
        }

        var bridge = bridgeEntry is null ? null : kernel.InspectHostLink(bridgeEntry.Name);
        if (bridge is null || bridge.Kind != "bridge")
        {
            throw Fail($"CNI created bridge {config.BridgeName} in host namespace was not found");
        }

        if (!string.IsNullOrEmpty(bridgeEntry!.Mac) && bridgeEntry.Mac != bridge.Mac)
        {
            throw Fail($"Bridge interface {bridge.Name} Mac doesn't match: {bridgeEntry.Mac}");
        }

        if (bridge.Promiscuous != config.PromiscMode)
        {
            throw Fail($"Bridge interface {bridge.Name} configured Promisc Mode {config.PromiscMode} doesn't match current state: {bridge.Promiscuous}");
        }

        var container = kernel.Inspect(args.Netns, args.IfName)
            ?? throw Fail($"CNI created interface in container {args.IfName} not found");
        if (container.Kind != "veth")
        {
            throw Fail($"Error: Container interface {container.Name} not of type veth");
        }

        if (!string.IsNullOrEmpty(containerEntry.Mac) && containerEntry.Mac != container.Mac)
        {
            throw Fail($"Interface {container.Name} Mac {containerEntry.Mac} doesn't match container Mac: {container.Mac}");
        }

        var vethFound = false;
        foreach (var entry in interfaces)
        {
            if (entry == bridgeEntry || entry == containerEntry || entry.Sandbox is { Length: > 0 })
            {
                continue;
            }

            var host = kernel.InspectHostLink(entry.Name);
            if (host is null || host.Kind != "veth" || host.Index != container.PeerIndex || host.PeerIndex != container.Index || host.MasterIndex != bridge.Index)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(entry.Mac) && entry.Mac != host.Mac)
            {
                throw Fail($"Interface {host.Name} Mac doesn't match: {entry.Mac} not found");
            }

            vethFound = true;
            break;
        }

        if (!vethFound)
        {
            throw Fail($"CNI veth created for bridge {config.BridgeName} was not found");
        }

        var containerIndex = interfaces.IndexOf(containerEntry);
        InterfaceValidators.ExpectAddresses(args.IfName, (prev.Ips ?? []).Where(ip => ip.Interface is not { } index || index == containerIndex), container);
        InterfaceValidators.ExpectRoutes(prev.Routes ?? [], container);
    }

    private static CniException Fail(string message) => new(CniErrorCode.Internal, message);
}
