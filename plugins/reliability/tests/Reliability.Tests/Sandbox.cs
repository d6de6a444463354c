using System.Text.Json;
using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.TestKit;
using Xunit;

namespace Reliability.Tests;

/// <summary>
/// A throwaway "node" for one plugin: its own host netns (where bridge/portmap run), a container netns,
/// a temp dataDir and a scratch working directory; plus cheap in-process views of the state plugins
/// leave behind (links over rtnetlink, nftables rules over nfnetlink, files in the dataDir).
/// </summary>
public sealed class Sandbox : IDisposable
{
    private readonly List<TestNetns> _containers = [];

    public Sandbox(string prefix = "cnirel")
    {
        Host = TestNetns.Create(prefix + "h");
        Container = NewContainer();
        Root = Directory.CreateTempSubdirectory("cni-reliability-").FullName;
        DataDir = Path.Combine(Root, "data");
        WorkDir = Path.Combine(Root, "cwd");
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(WorkDir);
    }

    public TestNetns Host { get; }

    public TestNetns Container { get; }

    /// <summary>Holds dataDir and cwd; anything a plugin writes should stay under dataDir.</summary>
    public string Root { get; }

    public string DataDir { get; }

    public string WorkDir { get; }

    public TestNetns NewContainer()
    {
        var ns = TestNetns.Create("cnirelc");
        lock (_containers)
        {
            _containers.Add(ns);
        }

        return ns;
    }

    public void Forget(TestNetns container)
    {
        lock (_containers)
        {
            _containers.Remove(container);
        }

        container.Dispose();
    }

    public static Dictionary<string, string?> Env(string command, string containerId, string netns, string ifName = "eth0", string? args = "IgnoreUnknown=1;K8S_POD_NAME=pod") => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = containerId,
        ["CNI_NETNS"] = netns,
        ["CNI_IFNAME"] = ifName,
        ["CNI_PATH"] = Repo.BinDir,
        ["CNI_ARGS"] = args,
    };

    /// <summary>Runs a plugin to completion in this node's host netns.</summary>
    public ExecOutcome Exec(string plugin, IReadOnlyDictionary<string, string?> env, string stdin, TimeSpan? timeout = null) =>
        PluginProcess.Run(plugin, Host.Name, env, PluginProcess.Utf8(stdin), timeout ?? TimeSpan.FromSeconds(30), WorkDir);

    public static void Ok(ExecOutcome outcome, string what) => Assert.True(outcome.ExitCode == 0 && !outcome.TimedOut, $"{what}: {outcome}");

    public static List<string> Links(string netnsPath)
    {
        using var rtnl = NetNamespace.OpenRtnl(netnsPath);
        return rtnl.ListLinks().Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
    }

    public static List<string> LinksExceptBridges(string netnsPath)
    {
        using var rtnl = NetNamespace.OpenRtnl(netnsPath);
        return rtnl.ListLinks().Where(l => l.Kind != "bridge").Select(l => l.Name).Order(StringComparer.Ordinal).ToList();
    }

    public List<string> HostLinks() => Links(Host.Path);

    /// <summary>Every rule (as table/chain:comment) and set element count in the host netns, all families.</summary>
    public List<string> NftRules()
    {
        using var nft = NftClient.OpenIn(Host.Path);
        var rules = new List<string>();
        foreach (var family in Enum.GetValues<NftFamily>())
        {
            foreach (var table in nft.ListTables(family))
            {
                foreach (var chain in nft.ListChains(family, table.Name))
                {
                    rules.AddRange(nft.ListRules(family, table.Name, chain.Name).Select(r => $"{family}/{table.Name}/{chain.Name}:{r.Comment}"));
                }
            }
        }

        return rules;
    }

    /// <summary><c>nft -j list ruleset</c> in the host netns: an independent (iproute/nft) view for leak checks.</summary>
    public string NftRulesetJson() => Shell.Run("ip", "netns", "exec", Host.Name, "nft", "-j", "list", "ruleset");

    /// <summary>Files under dataDir, relative, sorted.</summary>
    public List<string> DataFiles() => Directory.Exists(DataDir)
        ? Directory.EnumerateFiles(DataDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(DataDir, f)).Order(StringComparer.Ordinal).ToList()
        : [];

    /// <summary>Reservation files: everything but the store's bookkeeping (lock, last_reserved_ip.N).</summary>
    public List<string> IpFiles() => DataFiles().Where(f => !IsBookkeeping(Path.GetFileName(f))).ToList();

    public static bool IsBookkeeping(string name) => name == "lock" || name.StartsWith("last_reserved_ip.", StringComparison.Ordinal);

    /// <summary>Bridge ports (links with a master) in the host netns.</summary>
    public List<string> BridgePorts()
    {
        using var doc = JsonDocument.Parse(Host.Ip("-j", "link", "show"));
        return doc.RootElement.EnumerateArray().Where(l => l.TryGetProperty("master", out _)).Select(l => l.GetProperty("ifname").GetString()!).ToList();
    }

    public void Dispose()
    {
        foreach (var ns in _containers.ToList())
        {
            ns.Dispose();
        }

        Host.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
