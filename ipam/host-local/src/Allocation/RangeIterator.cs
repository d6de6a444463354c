using System.Net;
using LibCni.Types;

namespace CniPlugins.HostLocal.Allocation;

/// <summary>
/// The reference's round-robin walk over a range set: start just after the last reserved address (or at
/// the first range's start), go to each range's end, continue with the next range's start, wrap around,
/// and stop when back at the first address produced. Gateways (and network/broadcast addresses) are skipped.
/// </summary>
public sealed class RangeIterator
{
    private readonly RangeSet _set;
    private int _rangeIndex;
    private IPAddress? _current;
    private IPAddress? _startAddress;

    /// <param name="lastReserved">The set's last reserved address; ignored unless the set contains it.</param>
    public RangeIterator(RangeSet set, IPAddress? lastReserved)
    {
        _set = set;
        if (lastReserved is not null)
        {
            for (var i = 0; i < set.Count; i++)
            {
                if (set[i].Contains(lastReserved))
                {
                    _rangeIndex = i;
                    _current = IpText.Normalize(lastReserved);
                    return;
                }
            }
        }

        _startAddress = set[0].RangeStart;
    }

    /// <summary>The next candidate with its range, or null once the whole set has been visited.</summary>
    public (IPAddress Address, Range Range)? Next()
    {
        while (true)
        {
            var range = _set[_rangeIndex];
            if (_current is null)
            {
                _current = range.RangeStart;
                _startAddress = _current;
            }
            else
            {
                if (_current.Equals(range.RangeEnd))
                {
                    _rangeIndex = (_rangeIndex + 1) % _set.Count;
                    range = _set[_rangeIndex];
                    _current = range.RangeStart;
                }
                else
                {
                    _current = IpMath.Next(_current);
                }

                if (_startAddress is null)
                {
                    _startAddress = _current;
                }
                else if (_current.Equals(_startAddress))
                {
                    return null;
                }
            }

            if (!range.IsReservedAddress(_current))
            {
                return (_current, range);
            }
        }
    }
}
