using System.Text.Json.Nodes;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// Builds the stdin of one plugin call from its configuration (Go <c>buildOneConfig</c> and
/// <c>injectRuntimeConfig</c>): pure, so every rule is unit-tested.
/// </summary>
internal static class RequestBuilder
{
    /// <summary>
    /// The plugin object with the list's <c>name</c> and <c>cniVersion</c>, the previous result as
    /// <c>prevResult</c>, and <c>runtimeConfig</c> = the capability args the plugin enabled (replacing a static
    /// one only when non-empty). <c>capabilities</c> stays, as in Go libcni.
    /// </summary>
    public static byte[] Build(string name, string cniVersion, PluginConfig plugin, ICniResult? prevResult, RuntimeConf rt)
    {
        var request = Inject(plugin, name, cniVersion);
        if (prevResult is not null)
        {
            request["prevResult"] = JsonNode.Parse(CniJson.ResultToJson(prevResult));
        }

        AddRuntimeConfig(request, plugin, rt);
        return JsonCanonical.ToBytes(request);
    }

    /// <summary>The plugin object with only <c>runtimeConfig</c> injected (public as <see cref="ConfigLoader.InjectRuntimeConfig"/>).</summary>
    public static byte[] InjectRuntimeConfig(PluginConfig plugin, RuntimeConf rt)
    {
        var request = (JsonObject)JsonNode.Parse(plugin.Bytes)!;
        AddRuntimeConfig(request, plugin, rt);
        return JsonCanonical.ToBytes(request);
    }

    private static void AddRuntimeConfig(JsonObject request, PluginConfig plugin, RuntimeConf rt)
    {
        var runtimeConfig = new JsonObject();
        foreach (var (capability, enabled) in plugin.Capabilities)
        {
            if (enabled && rt.CapabilityArgs.TryGetValue(capability, out var value))
            {
                runtimeConfig[capability] = JsonNode.Parse(value.GetRawText());
            }
        }

        if (runtimeConfig.Count > 0)
        {
            request["runtimeConfig"] = runtimeConfig;
        }
    }

    /// <summary>
    /// The GC request: name and version, plus both <c>cni.dev/valid-attachments</c> and the older
    /// <c>cni.dev/attachments</c> when the caller gave a valid list (null sends neither key).
    /// </summary>
    public static byte[] BuildGc(string name, string cniVersion, PluginConfig plugin, IReadOnlyCollection<GcAttachment>? validAttachments)
    {
        var request = Inject(plugin, name, cniVersion);
        if (validAttachments is not null)
        {
            foreach (var key in new[] { "cni.dev/valid-attachments", "cni.dev/attachments" })
            {
                request[key] = new JsonArray(validAttachments
                    .Select(a => (JsonNode)new JsonObject { ["containerID"] = a.ContainerId, ["ifname"] = a.IfName })
                    .ToArray());
            }
        }

        return JsonCanonical.ToBytes(request);
    }

    /// <summary>The STATUS request: the plugin object with name and version injected.</summary>
    public static byte[] BuildStatus(string name, string cniVersion, PluginConfig plugin) => JsonCanonical.ToBytes(Inject(plugin, name, cniVersion));

    private static JsonObject Inject(PluginConfig plugin, string name, string cniVersion)
    {
        var request = (JsonObject)JsonNode.Parse(plugin.Bytes)!;
        request["name"] = name;
        request["cniVersion"] = cniVersion;
        return request;
    }
}
