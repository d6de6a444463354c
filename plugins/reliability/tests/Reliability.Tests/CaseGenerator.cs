using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reliability.Tests;

/// <summary>
/// One generated input: the CNI_* environment and stdin bytes. <c>@DATADIR@</c>, <c>@NETNS@</c> and
/// <c>@BINDIR@</c> stand for the worker's paths, so a case is replayable on any machine.
/// </summary>
public sealed record FuzzCase(string Plugin, Dictionary<string, string?> Env, byte[] Stdin, string Description)
{
    public const string DataDirToken = "@DATADIR@";
    public const string NetnsToken = "@NETNS@";
    public const string BinDirToken = "@BINDIR@";

    public string? Command => Env.GetValueOrDefault("CNI_COMMAND");
}

/// <summary>
/// Property-based inputs: a valid config per plugin, then wrong types, missing/extra keys, huge and
/// negative numbers, unicode, deep nesting, truncation and random bytes; and CNI_* variables missing,
/// empty, overlong, with invalid characters or unknown commands. Deterministic per (seed, plugin, index).
/// </summary>
public static class CaseGenerator
{
    public static readonly string[] Plugins = ["loopback", "host-local", "bridge", "portmap"];

    /// <summary>Deep nesting is one of the mutations: let the writer go deeper than its default 64/1000.</summary>
    private static readonly JsonSerializerOptions DeepWriter = new() { MaxDepth = 10_000 };

    private static readonly string[] Versions = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", "1.1.0", "1.1.0", "2.0.0", "", "1.1", "v1.0.0", "1.0.0-rc1"];

    private static readonly (string Command, int Weight)[] Commands = [("ADD", 50), ("DEL", 14), ("CHECK", 10), ("GC", 8), ("STATUS", 6), ("VERSION", 6), ("", 2), ("add", 2), ("FOO", 2)];

    private static readonly string[] Junk =
    [
        "", " ", "a", "../../etc/passwd", "/", "..", "a/b", "a\u0000b", "line\nbreak", "tab\there", "ünïcødé-✓", "🚀🚀🚀", "\u202eRTL", "\ufeffbom",
        "10.0.0.1/33", "10.0.0.0/8", "::/0", "0.0.0.0/0", "255.255.255.255", "fe80::1%eth0", "1.2.3", "10.66.0.1", "fd00::1", "abc::xyz",
        "nftables", "iptables", "tcp", "udp", "sctp", "host-local", "HOST-LOCAL", "../host-local", "0x10", "-1", "1e9", "true", "null", "{}",
        "; rm -rf /", "$(reboot)", "%s%s%s%n", "\\", "\"", "eth0", "lo", "veth0", "cni0",
    ];

    public static FuzzCase Generate(string plugin, int seed, int index)
    {
        var random = new Random(HashCode.Combine(seed, plugin.GetHashCode(StringComparison.Ordinal) & 0x7fff, index) ^ (seed * 31) ^ index);
        var env = BaseEnv(plugin, Pick(random, Commands), random);
        var notes = new List<string>();
        if (random.NextDouble() < 0.35)
        {
            notes.Add(MutateEnv(env, random));
        }

        var stdin = MutateConfig(plugin, env["CNI_COMMAND"], random, notes);
        return new FuzzCase(plugin, env, stdin, string.Join("; ", notes));
    }

    /// <summary>A valid config for <paramref name="plugin"/> that a mutation then breaks.</summary>
    public static JsonObject ValidConfig(string plugin, string version, string? command)
    {
        var ipam = new JsonObject
        {
            ["type"] = "host-local",
            ["dataDir"] = FuzzCase.DataDirToken,
            ["ranges"] = new JsonArray(
                new JsonArray(new JsonObject { ["subnet"] = "10.77.0.0/24", ["rangeStart"] = "10.77.0.10", ["gateway"] = "10.77.0.1" }),
                new JsonArray(new JsonObject { ["subnet"] = "fd77::/120" })),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
        };
        var conf = new JsonObject { ["cniVersion"] = version, ["name"] = "fuzznet", ["type"] = plugin };
        switch (plugin)
        {
            case "host-local":
                conf["type"] = "bridge";
                conf["ipam"] = ipam;
                break;
            case "bridge":
                conf["bridge"] = "fzbr0";
                conf["isGateway"] = true;
                conf["ipMasq"] = true;
                conf["mtu"] = 1400;
                conf["hairpinMode"] = true;
                conf["ipam"] = ipam;
                break;
            case "portmap":
                conf["capabilities"] = new JsonObject { ["portMappings"] = true };
                conf["snat"] = true;
                conf["runtimeConfig"] = new JsonObject
                {
                    ["portMappings"] = new JsonArray(
                        new JsonObject { ["hostPort"] = 8080, ["containerPort"] = 80, ["protocol"] = "tcp" },
                        new JsonObject { ["hostPort"] = 5353, ["containerPort"] = 53, ["protocol"] = "udp", ["hostIP"] = "127.0.0.1" }),
                };
                conf["prevResult"] = new JsonObject
                {
                    ["cniVersion"] = version,
                    ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "eth0", ["sandbox"] = FuzzCase.NetnsToken }),
                    ["ips"] = new JsonArray(
                        new JsonObject { ["address"] = "10.77.0.5/24", ["interface"] = 0 },
                        new JsonObject { ["address"] = "fd77::5/120", ["interface"] = 0 }),
                };
                break;
        }

        if (command == "GC")
        {
            conf["cni.dev/valid-attachments"] = new JsonArray(new JsonObject { ["containerID"] = "fuzz", ["ifname"] = "eth0" });
        }

        return conf;
    }

    private static Dictionary<string, string?> BaseEnv(string plugin, string command, Random random) => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = random.Next(4) == 0 ? $"fuzz{random.Next(1000)}" : "fuzz",
        ["CNI_NETNS"] = FuzzCase.NetnsToken,
        ["CNI_IFNAME"] = plugin == "loopback" ? "lo" : "eth0",
        ["CNI_PATH"] = FuzzCase.BinDirToken,
        ["CNI_ARGS"] = random.Next(3) == 0 ? "IgnoreUnknown=1;K8S_POD_NAME=p;K8S_POD_NAMESPACE=n" : null,
    };

    private static string MutateEnv(Dictionary<string, string?> env, Random random)
    {
        var name = env.Keys.ElementAt(random.Next(env.Count));
        string? value = random.Next(9) switch
        {
            0 => null,
            1 => "",
            2 => new string('a', random.Next(256, 100_000)),
            3 => RandomText(random, random.Next(1, 40), asciiOnly: true),
            4 => RandomText(random, random.Next(1, 40), asciiOnly: false),
            5 => Pick(random, Junk).Replace("\u0000", "", StringComparison.Ordinal),
            6 => name switch
            {
                "CNI_NETNS" => Pick(random, ["/nonexistent/netns", FuzzCase.NetnsToken + "x", "/dev/null", "/proc/self/ns/net", "netns", "/run/netns/", FuzzCase.NetnsToken + "/.."]),
                "CNI_ARGS" => Pick(random, ["IP=10.77.0.50", "IP=10.77.0.300", "IP=fd77::50,10.77.0.51", "K8S_POD_NAME", "=", ";;;", "IgnoreUnknown=0;FOO=bar", "IP=10.99.0.1"]),
                "CNI_PATH" => Pick(random, ["/nonexistent", FuzzCase.BinDirToken + ":/nonexistent", ":", "::::"]),
                "CNI_COMMAND" => Pick(random, ["ADD ", "Add", "DEL\n", "VERSIONS", "gc"]),
                "CNI_IFNAME" => Pick(random, ["eth0:1", "a b", ".", "..", "e/0", "abcdefghijklmnop", "eth0\n", "lo"]),
                _ => Pick(random, ["-bad", "a..b", "a b", "../x", "x/y", new string('c', 300)]),
            },
            7 => name == "CNI_COMMAND" ? "ADD" : (env[name] ?? "") + RandomText(random, random.Next(1, 8), asciiOnly: false),
            _ => " " + env[name],
        };
        env[name] = value?.Replace("\u0000", "", StringComparison.Ordinal);
        return $"env {name}={Describe(value)}";
    }

    private static byte[] MutateConfig(string plugin, string? command, Random random, List<string> notes)
    {
        var roll = random.NextDouble();
        if (roll < 0.04)
        {
            notes.Add("random bytes");
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            return bytes;
        }

        var conf = ValidConfig(plugin, Pick(random, Versions), command);
        if (roll < 0.10)
        {
            notes.Add("valid config");
            return Encoding.UTF8.GetBytes(conf.ToJsonString(DeepWriter));
        }

        var mutations = random.Next(1, 4);
        for (var i = 0; i < mutations; i++)
        {
            notes.Add(MutateTree(conf, random));
        }

        var text = conf.ToJsonString(DeepWriter);
        if (random.NextDouble() < 0.25)
        {
            (text, var note) = MutateText(text, random);
            notes.Add(note);
        }

        return Encoding.UTF8.GetBytes(text);
    }

    private static string MutateTree(JsonObject root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        var path = target.GetPath();
        switch (random.Next(7))
        {
            case 0 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                return $"remove {path}";
            case 1 when target is JsonObject obj:
                var key = random.Next(3) == 0 ? RandomText(random, random.Next(1, 12), asciiOnly: false) : Pick(random, ["name", "type", "cniVersion", "ipam", "ranges", "subnet", "dataDir", "extra", "prevResult", "runtimeConfig", "portMappings", "plugins"]);
                obj[key] = RandomValue(random);
                return $"set {path}.{key}";
            case 2 when target is JsonArray array:
                var element = array.Count > 0 ? array[random.Next(array.Count)]?.DeepClone() : RandomValue(random);
                var size = element?.ToJsonString(DeepWriter).Length ?? 4;
                var copies = random.Next(2) == 0 ? 1 : Math.Min(random.Next(100, 2000), Math.Max(1, 200_000 / size));
                for (var i = 0; i < copies; i++)
                {
                    array.Add(element?.DeepClone());
                }

                return $"grow {path} by {copies}";
            case 3 when target.Parent is not null:
                Replace(target, Nested(random, random.Next(10, 3000)));
                return $"nest {path}";
            default:
                if (target.Parent is null)
                {
                    root["name"] = RandomValue(random);
                    return "replace $.name";
                }

                Replace(target, RandomValue(random));
                return $"replace {path}";
        }
    }

    private static (string Text, string Note) MutateText(string text, Random random)
    {
        var at = random.Next(text.Length + 1);
        return random.Next(5) switch
        {
            0 => (text[..at], $"truncate at {at}"),
            1 => (text[..at] + (char)random.Next(32, 127) + text[Math.Min(text.Length, at + 1)..], $"flip char {at}"),
            2 => (text[..at] + RandomText(random, random.Next(1, 10), asciiOnly: false) + text[at..], $"insert at {at}"),
            3 => ("{\"name\":\"dup\"," + text[1..], "duplicate name key"),
            _ => (text + Pick(random, ["}", "]", ",", "garbage", "\u0000", " {}"]), "trailing junk"),
        };
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj.ToList())
                {
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array.ToList())
                {
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }

                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
        }
    }

    private static JsonNode? RandomValue(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(Pick(random, new long[] { 0, -1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 65536, 4096, 1500 })),
        3 => JsonValue.Create(Pick(random, new[] { 1e308, -1e308, 0.5, double.Epsilon, -0.0 })),
        4 => JsonNode.Parse(Pick(random, ["123456789012345678901234567890", "-99999999999999999999", "1e400", "1E-400"])),
        5 => JsonValue.Create(new string(Pick(random, ['a', 'é', '✓']), random.Next(100, 70_000))),
        6 => JsonValue.Create(RandomText(random, random.Next(0, 30), asciiOnly: false)),
        7 => JsonValue.Create("\ud800" + RandomText(random, 3, asciiOnly: true)),
        8 => new JsonArray(),
        9 => new JsonObject(),
        10 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x"), null),
        11 => new JsonObject { ["subnet"] = Pick(random, Junk), ["gateway"] = Pick(random, Junk) },
        _ => JsonValue.Create(Pick(random, Junk)),
    };

    private static JsonNode Nested(Random random, int depth)
    {
        JsonNode node = JsonValue.Create(1);
        for (var i = 0; i < depth; i++)
        {
            node = random.Next(2) == 0 ? new JsonArray(node) : new JsonObject { ["a"] = node };
        }

        return node;
    }

    private static string RandomText(Random random, int length, bool asciiOnly)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(asciiOnly ? (char)random.Next(33, 127) : (char)Pick(random, new[] { random.Next(1, 0x80), random.Next(0x80, 0x800), random.Next(0x800, 0xd800), random.Next(0xe000, 0xfffe) }));
        }

        return text.ToString();
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static string Pick(Random random, (string Command, int Weight)[] weighted)
    {
        var roll = random.Next(weighted.Sum(w => w.Weight));
        foreach (var (command, weight) in weighted)
        {
            if ((roll -= weight) < 0)
            {
                return command;
            }
        }

        return weighted[0].Command;
    }

    private static string Describe(string? value) => value is null ? "<unset>" : value.Length > 40 ? $"<{value.Length} chars>" : JsonValue.Create(value).ToJsonString();
}
