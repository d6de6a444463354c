using System.Net;
using CniPlugins.HostLocal.Store;
using LibCni.Types;

namespace CniPlugins.HostLocal.Allocation;

/// <summary>Allocates one address of a range set from a store (the reference's <c>IPAllocator</c>).</summary>
public sealed class IpAllocator(RangeSet rangeSet, IIpStore store, int rangeSetIndex)
{
    public RangeSet RangeSet => rangeSet;

    /// <summary>
    /// Reserves <paramref name="requested"/>, or else the next free address in round-robin order, and returns
    /// it with the subnet's prefix and the range's gateway. Takes the store lock for the duration.
    /// </summary>
    /// <exception cref="AllocationException">nothing could be reserved; the message is the reference's text.</exception>
    public IpConfig100 Get(string containerId, string ifName, IPAddress? requested)
    {
        using var locked = store.Lock();
        return requested is null ? GetNext(containerId, ifName) : GetRequested(containerId, ifName, IpText.Normalize(requested));
    }

    /// <summary>Releases what the attachment holds in the store (all range sets: records are per store).</summary>
    public void Release(string containerId, string ifName)
    {
        using var locked = store.Lock();
        store.ReleaseById(containerId, ifName);
    }

    private IpConfig100 GetRequested(string containerId, string ifName, IPAddress requested)
    {
        var range = rangeSet.RangeFor(requested)
            ?? throw new AllocationException($"{IpText.Format(requested)} not in range set {rangeSet}");
        if (requested.Equals(range.Gateway))
        {
            throw new AllocationException($"requested ip {IpText.Format(requested)} is subnet's gateway");
        }

        if (!store.Reserve(containerId, ifName, requested, rangeSetIndex))
        {
            throw new AllocationException($"requested IP address {IpText.Format(requested)} is not available in range set {rangeSet}");
        }

        return Config(requested, range);
    }

    private IpConfig100 GetNext(string containerId, string ifName)
    {
        // The spec forbids two allocations for one attachment: refuse if it already holds an address here.
        foreach (var held in store.GetById(containerId, ifName))
        {
            if (rangeSet.Contains(held))
            {
                throw new AllocationException($"{IpText.Format(held)} has been allocated to {containerId}, duplicate allocation is not allowed");
            }
        }

        var iterator = new RangeIterator(rangeSet, store.LastReservedIp(rangeSetIndex));
        while (iterator.Next() is var (address, range))
        {
            if (store.Reserve(containerId, ifName, address, rangeSetIndex))
            {
                return Config(address, range);
            }
        }

        throw new AllocationException($"no IP addresses available in range set: {rangeSet}");
    }

    private static IpConfig100 Config(IPAddress address, Range range) =>
        new() { Address = new CidrAddress(address, range.Subnet.PrefixLength), Gateway = range.Gateway };
}

/// <summary>An allocation that failed for a reason the reference reports as text (exhausted, taken, gateway).</summary>
public sealed class AllocationException(string message) : Exception(message);
