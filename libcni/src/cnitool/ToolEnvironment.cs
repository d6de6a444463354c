using System.Text;
using System.Text.Json;
using LibCni.Runtime;
using LibCni.Types;

namespace CniPlugins.CniTool;

/// <summary>What cnitool reads from its environment, parsed and checked like Go cnitool does.</summary>
internal sealed record ToolEnvironment
{
    public const string DefaultNetConfPath = "/etc/cni/net.d";
    public const string DefaultIfName = "eth0";

    public required string NetConfPath { get; init; }

    public required IReadOnlyList<string> CniPath { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> CniArgs { get; init; }

    public required IReadOnlyDictionary<string, JsonElement> CapabilityArgs { get; init; }

    /// <summary>CNI_IFNAME, or eth0 when unset or empty.</summary>
    public required string IfName { get; init; }

    /// <exception cref="CniRuntimeException">A malformed CNI_ARGS pair or CAP_ARGS that is not a JSON object.</exception>
    public static ToolEnvironment Read(Func<string, string?> variable) => new()
    {
        NetConfPath = variable("NETCONFPATH") is { Length: > 0 } confPath ? confPath : DefaultNetConfPath,
        CniPath = LibCni.Invoke.PluginLocator.SplitPath(variable("CNI_PATH")),
        CniArgs = ParseCniArgs(variable("CNI_ARGS")),
        CapabilityArgs = ParseCapabilityArgs(variable("CAP_ARGS")),
        IfName = variable("CNI_IFNAME") is { Length: > 0 } ifName ? ifName : DefaultIfName,
    };

    /// <summary><c>K=V;K=V</c>: every pair needs exactly one <c>=</c> with a non-empty key and value.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseCniArgs(string? raw)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(raw))
        {
            return pairs;
        }

        foreach (var pair in raw.Split(';'))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2 || kv[0].Length == 0 || kv[1].Length == 0)
            {
                throw new CniRuntimeException($"invalid CNI_ARGS pair {GoText.Quote(pair)}");
            }

            pairs.Add(new(kv[0], kv[1]));
        }

        return pairs;
    }

    public static IReadOnlyDictionary<string, JsonElement> ParseCapabilityArgs(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return new Dictionary<string, JsonElement>();
        }

        try
        {
            using var document = JsonDocument.Parse(raw);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CniRuntimeException($"invalid CAP_ARGS: expected a JSON object, got {document.RootElement.ValueKind}");
            }

            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new CniRuntimeException($"invalid CAP_ARGS: {e.Message}", e);
        }
    }

    /// <summary><c>cnitool-</c> + the first 10 bytes of SHA-512 of the netns path in hex, as Go cnitool derives it.</summary>
    public static string ContainerIdFor(string absoluteNetnsPath) =>
        "cnitool-" + Convert.ToHexStringLower(LibCni.Netfilter.Sha512.HashData(Encoding.UTF8.GetBytes(absoluteNetnsPath)).AsSpan(0, 10));
}
