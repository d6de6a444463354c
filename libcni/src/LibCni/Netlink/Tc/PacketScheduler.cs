using System.Globalization;

namespace LibCni.Netlink.Tc;

/// <summary>
/// The kernel's packet-scheduler clock (<c>/proc/net/psched</c>) and the token-bucket arithmetic of the
/// reference's bandwidth plugin (plugins/meta/bandwidth/ifb_creator.go over vishvananda/netlink), float for float,
/// so a qdisc made by either side reads back equal on the other.
/// </summary>
public sealed class PacketScheduler
{
    public const double TimeUnitsPerSecond = 1_000_000;

    /// <summary>The reference's fixed TBF latency.</summary>
    public const double LatencyMillis = 25;

    public const string PschedPath = "/proc/net/psched";

    public PacketScheduler(double tickInUsec) => TickInUsec = tickInUsec;

    /// <summary>Scheduler ticks per microsecond (15.625 on current kernels).</summary>
    public double TickInUsec { get; }

    public static PacketScheduler FromProc() => Parse(File.ReadAllText(PschedPath));

    /// <summary>
    /// Four hex words: t2us, us2t, clock resolution, hz. As the netlink library (and iproute2) reads it: a 1 GHz
    /// clock means "ticks are nanoseconds", so the first word is replaced by the second. Unreadable text is tick 0,
    /// which is what the reference then computes with.
    /// </summary>
    public static PacketScheduler Parse(string text)
    {
        var parts = text.Trim().Split(' ');
        if (parts.Length < 4)
        {
            return new PacketScheduler(0);
        }

        var values = new ulong[4];
        for (var i = 0; i < 4; i++)
        {
            if (!uint.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return new PacketScheduler(0);
            }

            values[i] = value;
        }

        if (values[2] == 1_000_000_000)
        {
            values[0] = values[1];
        }

        var clockFactor = values[2] / TimeUnitsPerSecond;
        return new PacketScheduler(values[0] / (double)values[1] * clockFactor);
    }

    public uint TimeToTicks(uint time) => GoUint32(time * TickInUsec);

    /// <summary>TBF buffer in ticks: the time <paramref name="burstBytes"/> takes at <paramref name="rateBytes"/>/s.</summary>
    public uint Buffer(ulong rateBytes, uint burstBytes) =>
        TimeToTicks(GoUint32(burstBytes * TimeUnitsPerSecond / rateBytes));

    /// <summary>TBF limit in bytes: what the rate moves in the latency, plus the burst (uint32 wrap as the reference).</summary>
    public static uint Limit(ulong rateBytes, uint burstBytes) =>
        unchecked(GoUint32(rateBytes * LatencyInUsec / TimeUnitsPerSecond) + burstBytes);

    public static double LatencyInUsec => TimeUnitsPerSecond * (LatencyMillis / 1000.0);

    /// <summary>The TBF the reference installs for a rate and burst given in bits.</summary>
    public TbfParameters Tbf(ulong rateBits, ulong burstBits)
    {
        var rate = rateBits / 8;
        var burst = unchecked((uint)(burstBits / 8));
        return new TbfParameters(rate, Limit(rate, burst), Buffer(rate, burst));
    }

    /// <summary>
    /// Go's uint32(float64) on amd64: truncation through int64, keeping the low 32 bits; NaN and values outside
    /// int64 give 0x8000000000000000, whose low bits are 0. .NET would saturate instead.
    /// </summary>
    internal static uint GoUint32(double value)
    {
        if (double.IsNaN(value) || value >= 9.2233720368547758E18 || value < -9.2233720368547758E18)
        {
            return 0;
        }

        return unchecked((uint)(long)value);
    }
}

/// <summary>A token bucket as the kernel stores it: rate in bytes/s, limit in bytes, buffer in scheduler ticks.</summary>
public readonly record struct TbfParameters(ulong Rate, uint Limit, uint Buffer);
