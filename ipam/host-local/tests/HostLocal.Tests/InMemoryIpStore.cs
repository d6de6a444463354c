using System.Net;
using CniPlugins.HostLocal.Store;
using LibCni.Types;

namespace HostLocal.Tests;

/// <summary>A store in a dictionary with the disk store's semantics, for allocator and plugin tests.</summary>
public sealed class InMemoryIpStore : IIpStore
{
    private readonly SortedDictionary<string, Reservation> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<int, IPAddress> _lastReserved = [];

    public int LockCount { get; private set; }

    public bool IsLocked { get; private set; }

    public IReadOnlyDictionary<int, IPAddress> LastReserved => _lastReserved;

    /// <summary>Seeds a record as another container (or an old plugin, with a null ifname) would have left it.</summary>
    public InMemoryIpStore With(string address, string containerId, string? ifName = "eth0")
    {
        var ip = IpText.Parse(address);
        _records[IpText.Format(ip)] = new Reservation(ip, containerId, ifName);
        return this;
    }

    public InMemoryIpStore WithLastReserved(int rangeSetIndex, string address)
    {
        _lastReserved[rangeSetIndex] = IpText.Parse(address);
        return this;
    }

    public IDisposable Lock()
    {
        if (IsLocked)
        {
            throw new InvalidOperationException("store lock taken twice");
        }

        IsLocked = true;
        LockCount++;
        return new Unlocker(this);
    }

    public bool Reserve(string containerId, string ifName, IPAddress address, int rangeSetIndex)
    {
        RequireLocked();
        var key = IpText.Format(address);
        if (_records.ContainsKey(key))
        {
            return false;
        }

        _records[key] = new Reservation(IpText.Normalize(address), containerId.Trim(), ifName);
        _lastReserved[rangeSetIndex] = IpText.Normalize(address);
        return true;
    }

    public IPAddress? LastReservedIp(int rangeSetIndex) => _lastReserved.GetValueOrDefault(rangeSetIndex);

    public IReadOnlyList<Reservation> Reservations()
    {
        RequireLocked();
        return [.. _records.Values];
    }

    public bool Release(Reservation expected)
    {
        RequireLocked();
        var key = IpText.Format(expected.Address);
        return _records.TryGetValue(key, out var current) && current == expected && _records.Remove(key);
    }

    /// <summary>Who holds <paramref name="address"/>, or null.</summary>
    public Reservation? Holder(string address) => _records.GetValueOrDefault(IpText.Format(IpText.Parse(address)));

    public IReadOnlyCollection<string> Addresses => _records.Keys;

    public void Dispose()
    {
    }

    private void RequireLocked()
    {
        if (!IsLocked)
        {
            throw new InvalidOperationException("store used without its lock");
        }
    }

    private sealed class Unlocker(InMemoryIpStore store) : IDisposable
    {
        public void Dispose() => store.IsLocked = false;
    }
}
