using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// One plugin object of a network configuration (Go <c>PluginConfig</c>/<c>NetworkConfig</c>): its raw JSON,
/// kept byte for byte so keys the runtime does not know reach the plugin unchanged, plus the keys the
/// runtime reads.
/// </summary>
public sealed class PluginConfig
{
    private PluginConfig(byte[] bytes, string type, string? name, string? cniVersion, IReadOnlyDictionary<string, bool> capabilities)
    {
        Bytes = bytes;
        Type = type;
        Name = name;
        CniVersion = cniVersion;
        Capabilities = capabilities;
    }

    /// <summary>The plugin object exactly as read.</summary>
    public byte[] Bytes { get; }

    /// <summary>The plugin's <c>type</c>: the binary name looked up along CNI_PATH.</summary>
    public string Type { get; }

    /// <summary>The <c>name</c> key of the plugin object itself, if any (a conflist's plugins rarely have one).</summary>
    public string? Name { get; }

    /// <summary>The <c>cniVersion</c> key of the plugin object itself, if any.</summary>
    public string? CniVersion { get; }

    /// <summary>The plugin's <c>capabilities</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, bool> Capabilities { get; }

    /// <summary>Parses one plugin object (Go <c>NetworkPluginConfFromBytes</c>); it needs a <c>type</c>.</summary>
    /// <exception cref="CniRuntimeException">Not a JSON object, a key of the wrong type, or no <c>type</c>.</exception>
    public static PluginConfig FromBytes(byte[] bytes)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(bytes) as JsonObject
                ?? throw new CniRuntimeException("error parsing configuration: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new CniRuntimeException($"error parsing configuration: {e.Message}", e);
        }

        var type = ReadString(json, "type");
        if (string.IsNullOrEmpty(type))
        {
            throw new CniRuntimeException("error parsing configuration: missing 'type'");
        }

        var capabilities = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (json["capabilities"] is { } caps)
        {
            if (caps is not JsonObject capsObject)
            {
                throw new CniRuntimeException("error parsing configuration: 'capabilities' must be an object of booleans");
            }

            foreach (var (key, value) in capsObject)
            {
                capabilities[key] = value?.GetValueKind() switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new CniRuntimeException($"error parsing configuration: capability \"{key}\" must be a boolean"),
                };
            }
        }

        return new PluginConfig(bytes, type, ReadString(json, "name"), ReadString(json, "cniVersion"), capabilities);
    }

    /// <summary><c>type="bridge" name="net1"</c>, as in Go libcni's error texts.</summary>
    internal string Description => Name is { Length: > 0 } ? $"type={GoText.Quote(Type)} name={GoText.Quote(Name)}" : $"type={GoText.Quote(Type)}";

    private static string? ReadString(JsonObject json, string key) => json[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new CniRuntimeException($"error parsing configuration: '{key}' must be a string"),
    };
}

/// <summary>
/// A network configuration list (Go <c>NetworkConfigList</c>): the network's name and negotiated spec
/// version, its flags, its plugins in order, and the original file bytes (which the result cache stores).
/// </summary>
public sealed class NetworkConfigList
{
    /// <summary>Creates a list; normally made by <see cref="ConfigLoader"/>.</summary>
    public NetworkConfigList(string name, string cniVersion, IReadOnlyList<PluginConfig> plugins, byte[] bytes)
    {
        Name = name;
        CniVersion = cniVersion;
        Plugins = plugins;
        Bytes = bytes;
    }

    /// <summary>The network name, injected into every plugin's stdin.</summary>
    public string Name { get; }

    /// <summary>
    /// The spec version used for every plugin: the highest of <c>cniVersion</c> and the <c>cniVersions</c>
    /// entries this library supports (empty when the file has neither, which means 0.1.0).
    /// </summary>
    public string CniVersion { get; }

    /// <summary><c>disableCheck</c>: CHECK succeeds without running any plugin.</summary>
    public bool DisableCheck { get; init; }

    /// <summary><c>disableGC</c>: GC succeeds without doing anything.</summary>
    public bool DisableGc { get; init; }

    /// <summary><c>loadOnlyInlinedPlugins</c>: drop-in plugin files next to the list were not loaded.</summary>
    public bool LoadOnlyInlinedPlugins { get; init; }

    /// <summary>The plugins, inline ones first, then drop-ins.</summary>
    public IReadOnlyList<PluginConfig> Plugins { get; }

    /// <summary>The configuration as read from disk (or as built by an up-conversion).</summary>
    public byte[] Bytes { get; }
}
