using System.Net;
using CniPlugins.HostLocal.Allocation;
using CniPlugins.HostLocal.Store;
using LibCni.Types;
using Xunit;
using Range = CniPlugins.HostLocal.Allocation.Range;

namespace HostLocal.Tests;

public class AllocatorTests
{
    private static IPAddress Ip(string s) => IpText.Parse(s);

    /// <summary>"10.0.0.0/29" or "10.0.0.0/29,10.0.0.2-10.0.0.5" or with ",gw" appended.</summary>
    private static Range R(string spec)
    {
        var parts = spec.Split(',');
        IPAddress? start = null, end = null, gateway = null;
        if (parts.Length > 1 && parts[1].Length > 0)
        {
            var bounds = parts[1].Split('-');
            start = Ip(bounds[0]);
            end = Ip(bounds[1]);
        }

        if (parts.Length > 2)
        {
            gateway = Ip(parts[2]);
        }

        return Range.Create(CidrAddress.Parse(parts[0]), start, end, gateway);
    }

    private static RangeSet Set(params string[] ranges) => RangeSet.Create(ranges.Select(R).ToList());

    private static string Allocate(IpAllocator allocator, string id = "c1", string ifName = "eth0", string? requested = null) =>
        allocator.Get(id, ifName, requested is null ? null : Ip(requested)).Address.ToString();

    public static TheoryData<string[], string[], string?, string> Cases => new()
    {
        // ranges, taken addresses, last reserved, expected
        { ["10.0.0.0/24"], [], null, "10.0.0.2/24" },
        { ["10.0.0.0/24"], ["10.0.0.2"], null, "10.0.0.3/24" },
        { ["10.0.0.0/24"], ["10.0.0.3"], "10.0.0.2", "10.0.0.4/24" },
        { ["10.0.0.0/24"], [], "10.0.0.254", "10.0.0.2/24" },
        { ["10.0.0.0/24"], [], "10.0.0.253", "10.0.0.254/24" },
        { ["10.0.0.0/24"], ["10.0.0.2", "10.0.0.3"], "10.0.0.254", "10.0.0.4/24" },
        { ["10.0.0.0/24"], [], "10.9.9.9", "10.0.0.2/24" },
        { ["10.0.0.0/30", "10.0.1.0/30"], ["10.0.0.2"], null, "10.0.1.2/30" },
        { ["10.0.0.0/30", "10.0.1.0/30"], [], "10.0.0.2", "10.0.1.2/30" },
        { ["10.0.0.0/30", "10.0.1.0/30"], ["10.0.0.2"], "10.0.1.2", "10.0.1.2/30" },
        { ["10.0.0.0/29,10.0.0.3-10.0.0.5"], [], null, "10.0.0.3/29" },
        { ["10.0.0.0/29,10.0.0.1-10.0.0.5,10.0.0.3"], ["10.0.0.1", "10.0.0.2"], null, "10.0.0.4/29" },
        { ["10.0.0.0/29,10.0.0.0-10.0.0.7"], [], "10.0.0.6", "10.0.0.2/29" },
        { ["fd00::/120"], [], null, "fd00::2/120" },
        { ["fd00::/120"], [], "fd00::fe", "fd00::ff/120" },
        { ["fd00::/120"], [], "fd00::ff", "fd00::2/120" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Allocates_like_the_reference(string[] ranges, string[] taken, string? lastReserved, string expected)
    {
        var store = new InMemoryIpStore();
        foreach (var address in taken)
        {
            store.With(address, "other");
        }

        if (lastReserved is not null)
        {
            store.WithLastReserved(0, lastReserved);
        }

        Assert.Equal(expected, Allocate(new IpAllocator(Set(ranges), store, 0)));
        Assert.False(store.IsLocked);
        Assert.Equal(1, store.LockCount);
    }

    [Fact]
    public void Round_robin_sequence_skips_gateway_and_wraps_across_ranges()
    {
        var store = new InMemoryIpStore();
        var allocator = new IpAllocator(Set("10.0.0.0/29,10.0.0.1-10.0.0.3", "10.0.1.0/29,10.0.1.5-10.0.1.6"), store, 0);
        var sequence = Enumerable.Range(0, 4).Select(i => Allocate(allocator, $"c{i}")).ToList();
        Assert.Equal(["10.0.0.2/29", "10.0.0.3/29", "10.0.1.5/29", "10.0.1.6/29"], sequence);

        var e = Assert.Throws<AllocationException>(() => Allocate(allocator, "c9"));
        Assert.Equal("no IP addresses available in range set: 10.0.0.1-10.0.0.3,10.0.1.5-10.0.1.6", e.Message);

        // Freeing one in the middle: the walk continues after the last reserved (10.0.1.6), wraps, finds it.
        using (store.Lock())
        {
            store.ReleaseById("c1", "eth0");
        }

        Assert.Equal("10.0.0.3/29", Allocate(allocator, "c10"));
        Assert.Equal(IpText.Parse("10.0.0.3"), store.LastReserved[0]);
    }

    [Fact]
    public void A_released_address_is_not_reused_before_the_range_comes_round()
    {
        var store = new InMemoryIpStore();
        var allocator = new IpAllocator(Set("10.0.0.0/29"), store, 0);
        Assert.Equal("10.0.0.2/29", Allocate(allocator, "a"));
        allocator.Release("a", "eth0");
        Assert.Equal("10.0.0.3/29", Allocate(allocator, "b"));
        Assert.Equal("10.0.0.4/29", Allocate(allocator, "c"));
        Assert.Equal("10.0.0.5/29", Allocate(allocator, "d"));
        Assert.Equal("10.0.0.6/29", Allocate(allocator, "e"));
        Assert.Equal("10.0.0.2/29", Allocate(allocator, "f"));
    }

    [Fact]
    public void Network_and_broadcast_are_never_handed_out_even_when_the_range_names_them()
    {
        var store = new InMemoryIpStore();
        var allocator = new IpAllocator(Set("10.0.0.0/30,10.0.0.0-10.0.0.3"), store, 0);
        Assert.Equal("10.0.0.2/30", Allocate(allocator, "a"));
        var e = Assert.Throws<AllocationException>(() => Allocate(allocator, "b"));
        Assert.Equal("no IP addresses available in range set: 10.0.0.0-10.0.0.3", e.Message);
    }

    [Fact]
    public void Returns_gateway_and_subnet_prefix()
    {
        var config = new IpAllocator(Set("10.0.0.0/16,10.0.5.0-10.0.5.9,10.0.0.254"), new InMemoryIpStore(), 0).Get("c", "eth0", null);
        Assert.Equal("10.0.5.0/16", config.Address.ToString());
        Assert.Equal(IpText.Parse("10.0.0.254"), config.Gateway);
        Assert.Null(config.Interface);
    }

    [Fact]
    public void Requested_address_is_reserved_or_refused_with_the_reference_messages()
    {
        var store = new InMemoryIpStore().With("10.0.0.9", "other");
        var allocator = new IpAllocator(Set("10.0.0.0/24"), store, 3);
        Assert.Equal("10.0.0.7/24", Allocate(allocator, requested: "10.0.0.7"));
        Assert.Equal(IpText.Parse("10.0.0.7"), store.LastReserved[3]);

        Assert.Equal("requested ip 10.0.0.1 is subnet's gateway",
            Assert.Throws<AllocationException>(() => Allocate(allocator, "c2", requested: "10.0.0.1")).Message);
        Assert.Equal("requested IP address 10.0.0.9 is not available in range set 10.0.0.1-10.0.0.254",
            Assert.Throws<AllocationException>(() => Allocate(allocator, "c2", requested: "10.0.0.9")).Message);
        Assert.Equal("10.1.0.1 not in range set 10.0.0.1-10.0.0.254",
            Assert.Throws<AllocationException>(() => Allocate(allocator, "c2", requested: "10.1.0.1")).Message);
        Assert.False(store.IsLocked);
    }

    [Fact]
    public void Second_allocation_for_the_same_attachment_is_refused()
    {
        var store = new InMemoryIpStore();
        var allocator = new IpAllocator(Set("10.0.0.0/24"), store, 0);
        Assert.Equal("10.0.0.2/24", Allocate(allocator));
        var e = Assert.Throws<AllocationException>(() => Allocate(allocator));
        Assert.Equal("10.0.0.2 has been allocated to c1, duplicate allocation is not allowed", e.Message);

        // Another interface of the same container is another attachment.
        Assert.Equal("10.0.0.3/24", Allocate(allocator, ifName: "eth1"));

        // A legacy ID-only record counts as the container's.
        var legacy = new InMemoryIpStore().With("10.0.0.50", "c1", ifName: null);
        Assert.Equal("10.0.0.50 has been allocated to c1, duplicate allocation is not allowed",
            Assert.Throws<AllocationException>(() => Allocate(new IpAllocator(Set("10.0.0.0/24"), legacy, 0))).Message);

        // An address of the attachment outside this set does not count.
        var elsewhere = new InMemoryIpStore().With("10.5.0.2", "c1");
        Assert.Equal("10.0.0.2/24", Allocate(new IpAllocator(Set("10.0.0.0/24"), elsewhere, 0)));
    }

    [Fact]
    public void Release_prefers_exact_records_and_falls_back_to_legacy_ones()
    {
        var store = new InMemoryIpStore()
            .With("10.0.0.2", "c1", "eth0")
            .With("10.0.0.3", "c1", "eth1")
            .With("10.0.0.4", "c1", null)
            .With("10.0.0.5", "c2", "eth0");
        var allocator = new IpAllocator(Set("10.0.0.0/24"), store, 0);

        allocator.Release("c1", "eth0");
        Assert.Equal(["10.0.0.3", "10.0.0.4", "10.0.0.5"], store.Addresses);

        allocator.Release("c1", "eth9");
        Assert.Equal(["10.0.0.3", "10.0.0.5"], store.Addresses);

        allocator.Release("unknown", "eth0");
        Assert.Equal(2, store.Addresses.Count);
    }

    [Fact]
    public void Iterator_visits_every_candidate_once()
    {
        var set = Set("10.0.0.0/29,10.0.0.1-10.0.0.4", "10.0.1.0/29,10.0.1.3-10.0.1.4,10.0.1.3");
        var iterator = new RangeIterator(set, IpText.Parse("10.0.0.3"));
        var seen = new List<string>();
        while (iterator.Next() is { } next)
        {
            seen.Add(IpText.Format(next.Address));
        }

        Assert.Equal(["10.0.0.4", "10.0.1.4", "10.0.0.2", "10.0.0.3"], seen);
    }
}
