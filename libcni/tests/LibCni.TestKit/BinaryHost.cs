using System.Text.Json.Nodes;
using Xunit;

namespace LibCni.TestKit;

/// <summary>
/// What a binary test needs to exec a dist/bin plugin as a runtime does: a host netns to run it in (or none:
/// the test's own private host), container namespaces, a data dir, and the CNI_* environment of each call.
/// Disposing removes the namespaces (containers first) and the data dir.
/// </summary>
public sealed class BinaryHost : IDisposable
{
    private readonly List<TestNetns> _namespaces = [];

    /// <param name="dataDirPrefix">Prefix of the temporary data dir (IPAM, saved state, traces).</param>
    /// <param name="hostPrefix">Prefix of the host netns; null runs the plugins in the test's own netns.</param>
    public BinaryHost(string dataDirPrefix, string? hostPrefix = "cnihost")
    {
        Host = hostPrefix is null ? null : Add(TestNetns.Create(hostPrefix));
        DataDir = Directory.CreateTempSubdirectory(dataDirPrefix).FullName;
    }

    /// <summary>The netns the plugins run in, or null for the test's own.</summary>
    public TestNetns? Host { get; }

    public string DataDir { get; }

    /// <summary>
    /// A veth pair in the host netns, both ends up: <paramref name="name"/> stands in for a node's NIC as the master of
    /// macvlan, ipvlan or vlan links; the peer is the wire's far end. Returns the master's ifindex.
    /// </summary>
    public int AddMaster(string name, string peer)
    {
        Host!.Ip("link", "add", name, "type", "veth", "peer", "name", peer);
        Host.Ip("link", "set", name, "up");
        Host.Ip("link", "set", peer, "up");
        return System.Text.Json.Nodes.JsonNode.Parse(Host.Ip("-j", "link", "show", name))![0]!["ifindex"]!.GetValue<int>();
    }

    /// <summary>A new container netns, removed with the host.</summary>
    public TestNetns Container(string prefix = "cnictr") => Add(TestNetns.Create(prefix));

    /// <summary>Execs dist/bin/<paramref name="plugin"/> in the host netns with only <paramref name="environment"/>.</summary>
    public ProcessResult Exec(string plugin, string conf, IDictionary<string, string> environment) =>
        ExecFrom(Repo.BinDir, plugin, conf, environment);

    /// <summary><see cref="Exec"/> of the plugin in <paramref name="binDir"/> (ours, or the reference's /usr/lib/cni).</summary>
    public ProcessResult ExecFrom(string binDir, string plugin, string conf, IDictionary<string, string> environment) =>
        Host is null
            ? Shell.Exec(Path.Combine(binDir, plugin), [], conf, environment, clearEnvironment: true)
            : Shell.Exec("ip", ["netns", "exec", Host.Name, Path.Combine(binDir, plugin)], conf, environment, clearEnvironment: true);

    /// <summary><see cref="Exec"/> under strace: also the programs the run started, the plugin itself first.</summary>
    public (ProcessResult Result, IReadOnlyList<string> Programs) ExecTraced(string plugin, string conf, IDictionary<string, string> environment) =>
        ExecTrace.Run(Host?.Name, Repo.Binary(plugin), conf, environment);

    /// <summary>
    /// The CNI_* variables of one call; <paramref name="netns"/> is a path (<see cref="TestNetns.Path"/>), or ""
    /// for none. CNI_PATH is dist/bin unless given; CNI_ARGS is set only when given.
    /// </summary>
    public static Dictionary<string, string> Environment(string command, string containerId, string netns, string ifName = "eth0",
        string? cniArgs = null, string? cniPath = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifName,
            ["CNI_PATH"] = cniPath ?? Repo.BinDir,
        };
        if (cniArgs is not null)
        {
            environment["CNI_ARGS"] = cniArgs;
        }

        return environment;
    }

    /// <summary>Asserts a zero exit, showing the plugin's output when not.</summary>
    /// <summary><paramref name="conf"/> (a JSON object) with <paramref name="result"/> as its prevResult.</summary>
    public static string WithPrevResult(string conf, string result) => conf[..^1] + $",\"prevResult\":{result}}}";

    /// <summary>The first address of a result, without its prefix length.</summary>
    public static string FirstAddress(string result) =>
        System.Text.Json.JsonDocument.Parse(result).RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];

    /// <summary>A link as <c>ip -j -d link show</c> reports it in <paramref name="netns"/>: kind data under linkinfo.</summary>
    public static JsonNode LinkDetails(TestNetns netns, string name = "eth0") => JsonNode.Parse(netns.Ip("-j", "-d", "link", "show", name))![0]!;

    public static void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");

    public void Dispose()
    {
        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            _namespaces[i].Dispose();
        }

        Directory.Delete(DataDir, recursive: true);
    }

    private TestNetns Add(TestNetns ns)
    {
        _namespaces.Add(ns);
        return ns;
    }
}

public static class JsonObjectExtensions
{
    /// <summary>Changes the object in place and returns it, to build a config in one expression.</summary>
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
