using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Reliability.Tests;

/// <summary>
/// The network every binary-tier test attaches to: bridge (host-local IPAM, gateway, ipMasq over
/// nftables) then portmap chained with one TCP and one UDP mapping; DEL runs the chain in reverse.
/// </summary>
public sealed class Chain(Sandbox node, string network = "relnet", string bridge = "relbr0", string subnet = "10.66.0.0/16")
{
    public string Network => network;

    public string BridgeConf(string version = "1.1.0") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"{{{network}}}","type":"bridge","bridge":"{{{bridge}}}","isGateway":true,"ipMasq":true,"ipMasqBackend":"nftables","ipam":{"type":"host-local","dataDir":"{{{node.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]]}}""";

    /// <summary>portmap's config; with the bridge's result as prevResult when the runtime has one.</summary>
    public string PortmapConf(string? prevResult, int hostPort, string version = "1.1.0")
    {
        var conf = new JsonObject
        {
            ["cniVersion"] = version,
            ["name"] = network,
            ["type"] = "portmap",
            ["capabilities"] = new JsonObject { ["portMappings"] = true },
            ["backend"] = "nftables",
            ["runtimeConfig"] = new JsonObject
            {
                ["portMappings"] = new JsonArray(
                    new JsonObject { ["hostPort"] = hostPort, ["containerPort"] = 80, ["protocol"] = "tcp" },
                    new JsonObject { ["hostPort"] = hostPort, ["containerPort"] = 53, ["protocol"] = "udp" }),
            },
        };
        if (prevResult is not null)
        {
            conf["prevResult"] = JsonNode.Parse(prevResult);
        }

        return conf.ToJsonString();
    }

    /// <summary>The GC config of the network with the given still-valid attachments.</summary>
    public static string WithValidAttachments(string conf, params string[] containerIds)
    {
        var node = JsonNode.Parse(conf)!.AsObject();
        node.Remove("prevResult");
        node["cni.dev/valid-attachments"] = new JsonArray(containerIds.Select(id => (JsonNode)new JsonObject { ["containerID"] = id, ["ifname"] = "eth0" }).ToArray());
        return node.ToJsonString();
    }

    /// <summary>A full ADD of the chain; the bridge result, or fails the test.</summary>
    public string Add(string containerId, TestNetnsPath container, int hostPort)
    {
        var bridgeAdd = node.Exec("bridge", Sandbox.Env("ADD", containerId, container.Path), BridgeConf());
        Sandbox.Ok(bridgeAdd, $"bridge ADD {containerId}");
        Sandbox.Ok(node.Exec("portmap", Sandbox.Env("ADD", containerId, container.Path), PortmapConf(bridgeAdd.Stdout, hostPort)), $"portmap ADD {containerId}");
        return bridgeAdd.Stdout;
    }

    /// <summary>DEL as a runtime does: the chain in reverse, with the cached result when it has one.</summary>
    public void Del(string containerId, string netnsPath, string? cachedResult, int hostPort)
    {
        Sandbox.Ok(node.Exec("portmap", Sandbox.Env("DEL", containerId, netnsPath), PortmapConf(cachedResult, hostPort)), $"portmap DEL {containerId}");
        Sandbox.Ok(node.Exec("bridge", Sandbox.Env("DEL", containerId, netnsPath), BridgeConf()), $"bridge DEL {containerId}");
    }

    /// <summary>Timed ADD+DEL for the soak: milliseconds for the whole chain ADD.</summary>
    public double AddDelCycle(string containerId, TestNetnsPath container, int hostPort)
    {
        var clock = Stopwatch.StartNew();
        var result = Add(containerId, container, hostPort);
        var addMs = clock.Elapsed.TotalMilliseconds;
        Del(containerId, container.Path, result, hostPort);
        return addMs;
    }
}

/// <summary>Just the path of a container netns (a TestNetns, or one that is already gone).</summary>
public sealed record TestNetnsPath(string Path);
