using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.Types;

namespace LibCni.Runtime;

/// <summary>
/// Loads network configurations from a directory the way Go libcni does (<c>LoadNetworkConf</c> and friends):
/// <c>.conflist</c> files first, then single-plugin <c>.conf</c>/<c>.json</c> files up-converted to a list.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// Finds the network named <paramref name="name"/> in <paramref name="directory"/>: the first <c>.conflist</c>
    /// in name order whose <c>name</c> matches, else the first matching <c>.conf</c>/<c>.json</c>. Every file
    /// before the match must parse; the first that does not aborts the lookup.
    /// </summary>
    /// <exception cref="NoConfigsFoundException">The directory has no configuration file at all.</exception>
    /// <exception cref="NetworkNotFoundException">No file configures that network.</exception>
    /// <exception cref="CniRuntimeException">A file cannot be read or parsed.</exception>
    public static NetworkConfigList LoadNetworkConfigList(string directory, string name)
    {
        var lists = ConfFiles(directory, ".conflist");
        foreach (var file in lists)
        {
            var list = FromFile(file);
            if (list.Name == name)
            {
                return list;
            }
        }

        PluginConfig single;
        try
        {
            single = LoadPluginConfig(directory, name);
        }
        catch (NoConfigsFoundException) when (lists.Count > 0)
        {
            // Lists exist, just none of that name: say so rather than "no configurations".
            throw new NetworkNotFoundException(directory, name);
        }

        return FromSinglePlugin(single);
    }

    /// <summary>
    /// The first single-plugin <c>.conf</c>/<c>.json</c> file in name order whose <c>name</c> is
    /// <paramref name="name"/> (Go's deprecated <c>LoadConf</c>).
    /// </summary>
    /// <exception cref="NoConfigsFoundException">The directory has no such file at all.</exception>
    /// <exception cref="NetworkNotFoundException">No file configures that network.</exception>
    /// <exception cref="CniRuntimeException">A file before the match cannot be read or parsed.</exception>
    public static PluginConfig LoadPluginConfig(string directory, string name)
    {
        var singles = ConfFiles(directory, ".conf", ".json");
        if (singles.Count == 0)
        {
            throw new NoConfigsFoundException(directory);
        }

        foreach (var file in singles)
        {
            var plugin = PluginConfigFromFile(file);
            if (plugin.Name == name)
            {
                return plugin;
            }
        }

        throw new NetworkNotFoundException(directory, name);
    }

    /// <summary>Reads one single-plugin configuration file (Go's deprecated <c>ConfFromFile</c>).</summary>
    /// <exception cref="CniRuntimeException">Unreadable or invalid.</exception>
    public static PluginConfig PluginConfigFromFile(string path) => PluginConfig.FromBytes(Read(path));

    /// <summary>
    /// The drop-in plugin configurations of a network: <c>&lt;directory&gt;/&lt;networkName&gt;/*.conf</c> in name
    /// order (Go <c>NetworkPluginConfsFromFiles</c>); empty when the folder does not exist.
    /// </summary>
    /// <exception cref="CniRuntimeException">A file cannot be read or parsed.</exception>
    public static IReadOnlyList<PluginConfig> PluginConfigsFromFiles(string directory, string networkName) =>
        ConfFiles(Path.Combine(directory, networkName), ".conf").Select(PluginConfigFromFile).ToList();

    /// <summary>
    /// A copy of <paramref name="original"/> with top-level keys set to new values (Go <c>InjectConf</c>); the
    /// bytes are written as Go writes a map: compact, keys sorted.
    /// </summary>
    /// <exception cref="CniRuntimeException">An empty key, a null value, or an original that is not a JSON object.</exception>
    public static PluginConfig InjectConf(PluginConfig original, IEnumerable<KeyValuePair<string, JsonNode?>> newValues)
    {
        JsonObject config;
        try
        {
            config = JsonNode.Parse(original.Bytes) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CniRuntimeException($"unmarshal existing network bytes: {e.Message}", e);
        }

        foreach (var (key, value) in newValues)
        {
            if (key.Length == 0)
            {
                throw new CniRuntimeException("keys cannot be empty");
            }

            config[key] = value is null ? throw new CniRuntimeException($"key '{key}' value must not be nil") : value.DeepClone();
        }

        return PluginConfig.FromBytes(JsonCanonical.ToBytes(config));
    }

    /// <summary>
    /// Capability injection (Go's <c>injectRuntimeConfig</c>): the plugin's configuration with
    /// <c>runtimeConfig</c> set to those of <paramref name="rt"/>'s capability arguments the plugin enables.
    /// A static <c>runtimeConfig</c> stays when none applies.
    /// </summary>
    public static PluginConfig InjectRuntimeConfig(PluginConfig plugin, RuntimeConf rt) =>
        PluginConfig.FromBytes(RequestBuilder.InjectRuntimeConfig(plugin, rt));

    /// <summary>
    /// Reads a <c>.conflist</c> file (Go <c>NetworkConfFromFile</c>) and, unless it sets
    /// <c>loadOnlyInlinedPlugins</c>, appends the drop-in plugins of <c>&lt;dir&gt;/&lt;name&gt;/*.conf</c>.
    /// </summary>
    /// <exception cref="CniRuntimeException">Unreadable or invalid, or no plugin at all.</exception>
    public static NetworkConfigList FromFile(string path)
    {
        var list = FromBytes(Read(path));
        var plugins = list.Plugins;
        if (!list.LoadOnlyInlinedPlugins)
        {
            plugins = [.. plugins, .. PluginConfigsFromFiles(Path.GetDirectoryName(path) ?? ".", list.Name)];
        }

        if (plugins.Count == 0)
        {
            throw new CniRuntimeException("no plugin configs found");
        }

        return new NetworkConfigList(list.Name, list.CniVersion, plugins, list.Bytes)
        {
            DisableCheck = list.DisableCheck,
            DisableGc = list.DisableGc,
            LoadOnlyInlinedPlugins = list.LoadOnlyInlinedPlugins,
        };
    }

    /// <summary>
    /// Parses a configuration list (Go <c>NetworkConfFromBytes</c>), negotiating the version over
    /// <c>cniVersion</c> and <c>cniVersions</c>. Drop-in plugins are not loaded here.
    /// </summary>
    /// <exception cref="CniRuntimeException">The JSON is not a valid list; the text says which key is wrong.</exception>
    public static NetworkConfigList FromBytes(byte[] bytes)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(bytes) as JsonObject ?? throw ListError("expected a JSON object");
        }
        catch (JsonException e)
        {
            throw ListError(e.Message, e);
        }

        if (json["name"] is not { } rawName)
        {
            throw ListError("no name");
        }

        if (rawName.GetValueKind() != JsonValueKind.String)
        {
            throw ListError($"invalid name type {rawName.GetValueKind()}");
        }

        var name = rawName.GetValue<string>();
        var version = "";
        if (json["cniVersion"] is { } rawVersion)
        {
            version = rawVersion.GetValueKind() == JsonValueKind.String
                ? rawVersion.GetValue<string>()
                : throw ListError($"invalid cniVersion type {rawVersion.GetValueKind()}");
        }

        if (json.ContainsKey("cniVersions"))
        {
            version = VersionNegotiation.Select(version, json["cniVersions"]);
        }

        var loadOnlyInlined = ReadFlag(json, "loadOnlyInlinedPlugins");
        var disableCheck = ReadFlag(json, "disableCheck");
        var disableGc = ReadFlag(json, "disableGC");

        var plugins = new List<PluginConfig>();
        if (!json.ContainsKey("plugins"))
        {
            if (loadOnlyInlined)
            {
                throw ListError("`loadOnlyInlinedPlugins` is true, and no 'plugins' key");
            }
        }
        else
        {
            if (json["plugins"] is not JsonArray array)
            {
                throw ListError($"invalid 'plugins' type {json["plugins"]?.GetValueKind() ?? JsonValueKind.Null}");
            }

            if (array.Count == 0)
            {
                throw ListError("no plugins in list");
            }

            for (var i = 0; i < array.Count; i++)
            {
                try
                {
                    plugins.Add(PluginConfig.FromBytes(NodeBytes(array[i])));
                }
                catch (CniRuntimeException e)
                {
                    throw new CniRuntimeException($"failed to parse plugin config {i}: {e.Message}", e);
                }
            }
        }

        return new NetworkConfigList(name, version, plugins, bytes)
        {
            DisableCheck = disableCheck,
            DisableGc = disableGc,
            LoadOnlyInlinedPlugins = loadOnlyInlined,
        };
    }

    /// <summary>
    /// Up-converts a single plugin configuration into a one-plugin list (Go <c>ConfListFromConf</c>); the list's
    /// bytes are the generated list JSON.
    /// </summary>
    public static NetworkConfigList FromSinglePlugin(PluginConfig plugin)
    {
        var list = new JsonObject
        {
            ["cniVersion"] = plugin.CniVersion ?? "",
            ["name"] = plugin.Name ?? "",
            ["plugins"] = new JsonArray(JsonNode.Parse(plugin.Bytes)),
        };
        return FromBytes(JsonCanonical.ToBytes(list));
    }

    /// <summary>
    /// The files in <paramref name="directory"/> (not recursive) whose extension is one of
    /// <paramref name="extensions"/>, sorted by name; empty when the directory does not exist.
    /// </summary>
    public static IReadOnlyList<string> ConfFiles(string directory, params string[] extensions)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool ReadFlag(JsonObject json, string key)
    {
        if (json[key] is not { } value)
        {
            return false;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                var text = value.GetValue<string>().ToLowerInvariant();
                return text switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw ListError($"invalid value {GoText.Quote(text)} for {key}"),
                };
            default:
                throw ListError($"invalid type {value.GetValueKind()} for {key}");
        }
    }

    private static byte[] Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniRuntimeException($"error reading {path}: {e.Message}", e);
        }
    }

    private static byte[] NodeBytes(JsonNode? node) => JsonCanonical.ToBytes(node);

    internal static CniRuntimeException ListError(string reason, Exception? inner = null) =>
        new($"error parsing configuration list: {reason}", inner);
}
