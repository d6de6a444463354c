using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Reliability.Tests;

/// <summary>
/// ADD/DEL cycles of the bridge → portmap chain, 8 at a time (<c>CNI_SOAK_CYCLES</c>, 200 in CI, 2,000
/// in <c>scripts/soak</c>). Nothing may grow: links, nftables rules and dataDir files return to where they
/// started, the test process keeps its fds and memory, and ADD latency in the last 10% stays within 3× of
/// the first 10% (a leak check — state that grows makes every later operation slower — not a speed test).
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Tier", "Binary")]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int Parallelism = 8;

    [Fact]
    public void Add_del_cycles_leave_nothing_growing_and_latency_flat()
    {
        var cycles = Settings.Int("CNI_SOAK_CYCLES", 200);
        using var node = new Sandbox("cnisk");
        var chain = new Chain(node, subnet: "10.60.0.0/16");

        // Warm up once so the bridge, nft tables and store bookkeeping exist before the baseline.
        var warm = node.NewContainer();
        chain.AddDelCycle("soak-warm", new TestNetnsPath(warm.Path), 50000);
        node.Forget(warm);
        var links = node.HostLinks();
        var rules = node.NftRules();
        var files = node.DataFiles();
        var fds = OpenFds();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memory = GC.GetTotalMemory(forceFullCollection: true);

        var latencies = new ConcurrentDictionary<int, double>();
        var order = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cycles, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, i =>
        {
            var container = node.NewContainer();
            try
            {
                var ms = chain.AddDelCycle($"soak{i}", new TestNetnsPath(container.Path), 50001 + (i % 10000));
                latencies[Interlocked.Increment(ref order)] = ms;
            }
            finally
            {
                node.Forget(container);
            }
        });

        var tenth = Math.Max(1, cycles / 10);
        var ordered = latencies.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        var first = Median(ordered.Take(tenth));
        var last = Median(ordered.Skip(ordered.Count - tenth));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{cycles} cycles ×{Parallelism} in {clock.Elapsed.TotalSeconds:F0} s; chain ADD median first 10% {first:F1} ms, last 10% {last:F1} ms, ratio {last / first:F2}");
        output.WriteLine($"test process: fds {fds} -> {OpenFds()}, managed heap {memory >> 10} kB -> {memoryAfter >> 10} kB");

        Assert.Equal(links, node.HostLinks());
        Assert.Equal(rules, node.NftRules());
        Assert.Equal(files, node.DataFiles());
        Assert.Empty(node.BridgePorts());
        Assert.True(OpenFds() <= fds + 16, $"the test process leaks fds: {fds} -> {OpenFds()}");
        Assert.True(memoryAfter < memory + (64 << 20), $"managed heap grew from {memory} to {memoryAfter} bytes");
        Assert.True(last < 3 * first, $"ADD latency grew: median {first:F1} ms in the first 10%, {last:F1} ms in the last");
    }

    private static int OpenFds() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
