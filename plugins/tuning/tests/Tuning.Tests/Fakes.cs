using LibCni.Types;
using CniPlugins.Tuning;
using LibCni.Kernel;

namespace Tuning.Tests;

/// <summary>An in-memory netns: links by name, sysctls by relative path, every change recorded in order.</summary>
public sealed class FakeKernel : ITuningKernel
{
    public Dictionary<string, TuningLink> Links { get; } = new(StringComparer.Ordinal)
    {
        ["eth0"] = new TuningLink(2, "eth0", [0x0a, 0x58, 0x0a, 0x01, 0x00, 0x05], 1500, false, false, 1000),
    };

    public Dictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal)
    {
        ["net/ipv4/conf/all/log_martians"] = "0",
        ["net/ipv4/conf/eth0/arp_filter"] = "0",
        ["net/core/somaxconn"] = "4096",
        ["net/ipv4/ping_group_range"] = "1\t0",
    };

    public List<string> Calls { get; } = [];

    /// <summary>A call (as recorded in <see cref="Calls"/>, prefix match) that throws instead of acting.</summary>
    public string? FailOn { get; set; }

    public bool NetnsGone { get; set; }

    public bool LinkLookupFails { get; set; }

    public ITuningNetns Enter(string netnsPath) => NetnsGone ? throw new NetnsNotFoundException(netnsPath) : new Netns(this);

    private void Record(string call)
    {
        if (FailOn is not null && call.StartsWith(FailOn, StringComparison.Ordinal))
        {
            throw new IOException($"injected failure: {call}");
        }

        Calls.Add(call);
    }

    private void Update(int index, Func<TuningLink, TuningLink> change)
    {
        var name = Links.Values.Single(l => l.Index == index).Name;
        Links[name] = change(Links[name]);
    }

    private sealed class Netns(FakeKernel k) : ITuningNetns
    {
        public TuningLink? GetLink(string name) => k.LinkLookupFails ? throw new IOException("injected: RTM_GETLINK failed") : k.Links.GetValueOrDefault(name);

        public void SetMac(int index, byte[] mac)
        {
            k.Record($"mac {index} {MacAddress.Format(mac)}");
            k.Update(index, l => l with { Mac = mac });
        }

        public void SetMtu(int index, int mtu)
        {
            k.Record($"mtu {index} {mtu}");
            k.Update(index, l => l with { Mtu = mtu });
        }

        public void SetPromisc(int index, bool on)
        {
            k.Record($"promisc {index} {on}");
            k.Update(index, l => l with { Promisc = on });
        }

        public void SetAllmulti(int index, bool on)
        {
            k.Record($"allmulti {index} {on}");
            k.Update(index, l => l with { Allmulti = on });
        }

        public void SetTxQueueLength(int index, int length)
        {
            k.Record($"txqlen {index} {length}");
            k.Update(index, l => l with { TxQueueLength = length });
        }

        public string ReadSysctl(SysctlKey key) =>
            k.Sysctls.TryGetValue(key.RelativePath, out var value) ? value : throw new FileNotFoundException($"Could not find file '{key.FullPath}'");

        public void WriteSysctl(SysctlKey key, string value)
        {
            k.Record($"sysctl {key.RelativePath}={value}");
            if (!k.Sysctls.ContainsKey(key.RelativePath))
            {
                throw new FileNotFoundException(key.FullPath);
            }

            k.Sysctls[key.RelativePath] = value;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Saved states by file name, as the disk store would name them.</summary>
public sealed class FakeStore : ITuningStateStore
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public void Save(string dataDir, string containerId, string ifName, SavedLinkState state) =>
        Files[DiskStateStore.PathOf(dataDir, containerId, ifName)] = state.ToJson();

    public SavedLinkState? Load(string dataDir, string containerId, string ifName) =>
        Files.TryGetValue(DiskStateStore.PathOf(dataDir, containerId, ifName), out var json) ? SavedLinkState.FromJson(json) : null;

    public void Delete(string dataDir, string containerId, string ifName) => Files.Remove(DiskStateStore.PathOf(dataDir, containerId, ifName));
}
