namespace LibCni.TestKit;

/// <summary>
/// The published cnitool (Go cnitool's variables: NETCONFPATH, CNI_PATH, CAP_ARGS) over a conflist written to a
/// throwaway directory, with a cache of its own: a runtime's whole ADD/CHECK/DEL of one network.
/// </summary>
public sealed class Cnitool : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cni-cnitool").FullName;

    /// <param name="conflist">The network's conflist JSON; its "name" is the network.</param>
    /// <param name="network">That name.</param>
    /// <param name="hostNetns">The netns cnitool runs in (the plugins' host), or null for the test's own.</param>
    public Cnitool(string conflist, string network, TestNetns? hostNetns = null)
    {
        Network = network;
        HostNetns = hostNetns;
        Directory.CreateDirectory(Path.Combine(_dir, "net.d"));
        File.WriteAllText(Path.Combine(_dir, "net.d", "10-test.conflist"), conflist);
    }

    public string Network { get; }

    public TestNetns? HostNetns { get; }

    /// <summary>Runs <c>cnitool VERB NETWORK NETNS</c>; <paramref name="capArgs"/> goes in CAP_ARGS.</summary>
    public ProcessResult Run(string verb, TestNetns container, string? capArgs = null, string ifName = "eth0")
    {
        var environment = new Dictionary<string, string>
        {
            ["NETCONFPATH"] = Path.Combine(_dir, "net.d"),
            ["CNI_PATH"] = Repo.BinDir,
            ["CNI_IFNAME"] = ifName,
        };
        if (capArgs is not null)
        {
            environment["CAP_ARGS"] = capArgs;
        }

        string[] args = [verb, Network, container.Path, "--cache-dir", Path.Combine(_dir, "cache")];
        return HostNetns is null
            ? Shell.Exec(Repo.Binary("cnitool"), args, null, environment, clearEnvironment: true)
            : Shell.Exec("ip", ["netns", "exec", HostNetns.Name, Repo.Binary("cnitool"), .. args], null, environment, clearEnvironment: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
