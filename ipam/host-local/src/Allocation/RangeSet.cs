using System.Collections;
using System.Net;

namespace CniPlugins.HostLocal.Allocation;

/// <summary>Ranges of one family from which one address is allocated per ADD. Build it with <see cref="Create"/>.</summary>
public sealed class RangeSet : IReadOnlyList<Range>
{
    private readonly Range[] _ranges;

    private RangeSet(Range[] ranges) => _ranges = ranges;

    public int Count => _ranges.Length;

    public bool IsV4 => _ranges[0].IsV4;

    public Range this[int index] => _ranges[index];

    /// <summary>Validates a set: not empty, one family, no two ranges overlapping.</summary>
    /// <exception cref="InvalidRangeException">the set cannot be used.</exception>
    public static RangeSet Create(IReadOnlyList<Range> ranges)
    {
        if (ranges.Count == 0)
        {
            throw new InvalidRangeException("empty range set");
        }

        if (ranges.Any(r => r.IsV4 != ranges[0].IsV4))
        {
            throw new InvalidRangeException("mixed address families");
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            for (var j = i + 1; j < ranges.Count; j++)
            {
                if (ranges[i].Overlaps(ranges[j]))
                {
                    throw new InvalidRangeException($"subnets {ranges[i]} and {ranges[j]} overlap");
                }
            }
        }

        return new RangeSet([.. ranges]);
    }

    public bool Contains(IPAddress address) => RangeFor(address) is not null;

    /// <summary>The first range holding <paramref name="address"/>, or null.</summary>
    public Range? RangeFor(IPAddress address) => _ranges.FirstOrDefault(r => r.Contains(address));

    public bool Overlaps(RangeSet other) => _ranges.Any(r => other._ranges.Any(r.Overlaps));

    public IEnumerator<Range> GetEnumerator() => ((IEnumerable<Range>)_ranges).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(",", _ranges.Select(r => r.ToString()));
}
