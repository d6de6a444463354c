using System.Net;
using CniPlugins.Firewall;
using LibCni.Netfilter;

namespace Firewall.Tests;

/// <summary>iptables-save/restore in memory: Save prints the table as iptables-save would, Restore applies -N/-A/-I/-D/-F/-X lines.</summary>
internal sealed class FakeIptables : IIptablesTables
{
    public Dictionary<bool, Dictionary<string, List<string>>> Tables { get; } = new()
    {
        [false] = new() { ["INPUT"] = [], ["FORWARD"] = [], ["OUTPUT"] = [] },
        [true] = new() { ["INPUT"] = [], ["FORWARD"] = [], ["OUTPUT"] = [] },
    };

    public List<string> Scripts { get; } = [];

    public bool Available { get; set; } = true;

    public bool IsAvailable(bool ipv6) => Available;

    public bool HasTable(bool ipv6, string table) => Available;

    public IptablesTable Save(bool ipv6, string table)
    {
        if (!Available)
        {
            throw new IOException("iptables-save not found");
        }

        var text = new System.Text.StringBuilder($"*{table}\n");
        foreach (var chain in Tables[ipv6].Keys)
        {
            text.Append($":{chain} - [0:0]\n");
        }

        foreach (var (chain, rules) in Tables[ipv6])
        {
            foreach (var rule in rules)
            {
                text.Append($"-A {chain} {rule}\n");
            }
        }

        return IptablesTable.Parse(text.Append("COMMIT\n").ToString(), table);
    }

    /// <summary>Runs once, just before the next restore applies: another writer changing the table in between.</summary>
    public Action? BeforeNextRestore { get; set; }

    public void Restore(bool ipv6, string script)
    {
        if (BeforeNextRestore is { } meanwhile)
        {
            BeforeNextRestore = null;
            meanwhile();
        }

        Scripts.Add(script);
        var tables = Tables[ipv6].ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        foreach (var line in script.Split('\n'))
        {
            if (line.StartsWith("-N ", StringComparison.Ordinal))
            {
                if (!tables.TryAdd(line[3..], []))
                {
                    throw new IOException($"iptables-restore: line {line} failed: Chain already exists");
                }
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) || line.StartsWith("-D ", StringComparison.Ordinal))
            {
                var rest = line[3..];
                var chain = rest[..rest.IndexOf(' ')];
                var rule = rest[(chain.Length + 1)..];
                if (line[1] == 'A')
                {
                    tables[chain].Add(rule);
                }
                else if (!tables[chain].Remove(rule))
                {
                    throw new IOException($"iptables-restore: line {line}: Bad rule (does a matching rule exist in that chain?)");
                }
            }
            else if (line.StartsWith("-I ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                tables[parts[1]].Insert(int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) - 1, parts[3]);
            }
        }

        // All or nothing, as iptables-restore commits a table.
        Tables[ipv6].Clear();
        foreach (var (chain, rules) in tables)
        {
            Tables[ipv6][chain] = rules;
        }
    }
}

internal sealed class FakeFirewalld : IFirewalld
{
    public bool Running { get; set; } = true;

    public HashSet<(string Zone, string Source)> Sources { get; } = [];

    public List<string> Calls { get; } = [];

    public Exception? FailAdd { get; set; }

    public bool IsRunning() => Running;

    public void AddSource(string zone, string source)
    {
        Calls.Add($"addSource {zone} {source}");
        if (FailAdd is { } e)
        {
            throw e;
        }

        if (Sources.Any(s => s.Source == source))
        {
            throw new FirewalldException("org.fedoraproject.FirewallD1.Exception", $"ZONE_ALREADY_SET: '{source}' already bound to '{zone}'");
        }

        Sources.Add((zone, source));
    }

    public void RemoveSource(string zone, string source)
    {
        Calls.Add($"removeSource {zone} {source}");
        if (!Sources.Remove((zone, source)))
        {
            throw new FirewalldException("org.fedoraproject.FirewallD1.Exception", $"UNKNOWN_SOURCE: '{source}' is not in any zone");
        }
    }

    public bool QuerySource(string zone, string source)
    {
        Calls.Add($"querySource {zone} {source}");
        return Sources.Contains((zone, source));
    }
}

internal static class Confs
{
    public const string PrevResult = """{"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"aa:bb:cc:dd:ee:ff"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"address":"10.88.0.5/16","gateway":"10.88.0.1","interface":2},{"address":"fd00::5/64","interface":2}]}""";

    public static string With(string extra = "", string? prevResult = PrevResult, string version = "1.0.0") =>
        $$"""{"cniVersion":"{{version}}","name":"fwnet","type":"firewall"{{extra}}{{(prevResult is null ? "" : $",\"prevResult\":{prevResult}")}}}""";

    public static IPAddress Ip(string text) => IPAddress.Parse(text);
}

/// <summary>Bridges by name with their ports; a missing name is a bridge that does not exist.</summary>
internal sealed class FakeBridgeLinks : CniPlugins.Firewall.IBridgeLinks
{
    public Dictionary<string, List<string>> Bridges { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string>? Ports(string bridge) => Bridges.TryGetValue(bridge, out var ports) ? ports : null;
}
