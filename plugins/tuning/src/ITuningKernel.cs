namespace CniPlugins.Tuning;

/// <summary>What tuning needs from the kernel, so its decisions are testable without root.</summary>
public interface ITuningKernel
{
    /// <summary>Opens the container netns; throws <see cref="LibCni.Kernel.NetnsNotFoundException"/> when it is gone.</summary>
    ITuningNetns Enter(string netnsPath);
}

/// <summary>Links and net sysctls of one network namespace.</summary>
public interface ITuningNetns : IDisposable
{
    /// <summary>The link named <paramref name="name"/>, or null when there is none.</summary>
    TuningLink? GetLink(string name);

    void SetMac(int index, byte[] mac);

    void SetMtu(int index, int mtu);

    void SetPromisc(int index, bool on);

    void SetAllmulti(int index, bool on);

    void SetTxQueueLength(int index, int length);

    /// <summary>The sysctl's value without its trailing newline; throws <see cref="IOException"/> when it does not exist.</summary>
    string ReadSysctl(SysctlKey key);

    void WriteSysctl(SysctlKey key, string value);
}

/// <summary>
/// A link's tunable values. <see cref="Promisc"/> is the kernel's promiscuity count being non-zero, as the
/// reference reads it.
/// </summary>
public sealed record TuningLink(int Index, string Name, byte[] Mac, int Mtu, bool Promisc, bool Allmulti, int TxQueueLength);

/// <summary>Where ADD saves a link's original values and DEL finds them.</summary>
public interface ITuningStateStore
{
    void Save(string dataDir, string containerId, string ifName, SavedLinkState state);

    /// <summary>The saved state, or null when there is none; throws <see cref="InvalidDataException"/> for a file that is not one.</summary>
    SavedLinkState? Load(string dataDir, string containerId, string ifName);

    void Delete(string dataDir, string containerId, string ifName);
}
