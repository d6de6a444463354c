using System.Text;
using LibCni.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace Reliability.Tests;

/// <summary>
/// A runtime that times out SIGKILLs the plugin wherever it is. Each iteration starts the bridge →
/// portmap chain, kills one of them from outside after a random 0–40 ms (no hooks in the binaries),
/// then does what a runtime does next: DEL in reverse order, delete the netns. A final GC with an empty
/// valid list must leave the node exactly as clean as it started, and the next ADD must work.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Tier", "Binary")]
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public void Chain_adds_killed_at_random_moments_leave_nothing_after_del_and_gc()
    {
        var iterations = Settings.Int("CNI_FAULT_ITERATIONS", 40);
        var seed = Settings.Seed();
        output.WriteLine($"fault injection: {iterations} iterations, seed {seed} (CNI_TEST_SEED={seed} to replay)");
        var random = new Random(seed);
        using var node = new Sandbox("cnifi");
        var chain = new Chain(node);
        var leakedBeforeGc = new List<string>();
        var killedIn = new Dictionary<string, int> { ["bridge"] = 0, ["portmap"] = 0, ["none"] = 0 };

        for (var i = 0; i < iterations; i++)
        {
            var id = $"fi{seed % 10000}x{i}";
            var hostPort = 20000 + i;
            var container = node.NewContainer();
            var killBridge = random.Next(2) == 0;
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 41));

            string? cached = null;
            var bridgeAdd = killBridge
                ? PluginProcess.RunAndKill("bridge", node.Host.Name, Sandbox.Env("ADD", id, container.Path), PluginProcess.Utf8(chain.BridgeConf()), delay, node.WorkDir)
                : node.Exec("bridge", Sandbox.Env("ADD", id, container.Path), chain.BridgeConf());
            var victim = "none";
            if (bridgeAdd.Killed)
            {
                victim = "bridge";
            }
            else
            {
                Sandbox.Ok(bridgeAdd, $"bridge ADD {id}");
                var portmapAdd = killBridge
                    ? node.Exec("portmap", Sandbox.Env("ADD", id, container.Path), chain.PortmapConf(bridgeAdd.Stdout, hostPort))
                    : PluginProcess.RunAndKill("portmap", node.Host.Name, Sandbox.Env("ADD", id, container.Path), PluginProcess.Utf8(chain.PortmapConf(bridgeAdd.Stdout, hostPort)), delay, node.WorkDir);
                if (portmapAdd.Killed)
                {
                    victim = "portmap";
                }
                else
                {
                    Sandbox.Ok(portmapAdd, $"portmap ADD {id}");
                    cached = bridgeAdd.Stdout;
                }
            }

            killedIn[victim]++;

            // The runtime moves on at once; a killed bridge's host-local child may still be running (a runtime
            // kills only the pid it started), so DEL races it exactly as on a real node.
            chain.Del(id, container.Path, cached, hostPort);
            var orphans = Orphans.WaitGone(id, TimeSpan.FromSeconds(30));
            Assert.True(orphans == 0, $"{orphans} plugin processes of {id} still running after 30 s");
            var leftovers = node.IpFiles().Where(f => File.ReadAllText(Path.Combine(node.DataDir, f)).StartsWith(id + "\r", StringComparison.Ordinal)).ToList();
            if (leftovers.Count > 0)
            {
                leakedBeforeGc.Add($"{id} (killed {victim} at {delay.TotalMilliseconds} ms): {string.Join(", ", leftovers)}");
            }

            node.Forget(container);
            Assert.Empty(node.BridgePorts());
            Assert.DoesNotContain(node.HostLinks(), l => l.StartsWith("veth", StringComparison.Ordinal));
            Assert.DoesNotContain(id, node.NftRulesetJson(), StringComparison.Ordinal);
        }

        output.WriteLine($"killed in bridge: {killedIn["bridge"]}, in portmap: {killedIn["portmap"]}, finished before the kill: {killedIn["none"]}");
        output.WriteLine($"reservations left by DEL racing an orphaned host-local (GC must clear them): {leakedBeforeGc.Count}");
        foreach (var leak in leakedBeforeGc)
        {
            output.WriteLine("  " + leak);
        }

        // Final GC, nothing valid: host-local through the plugin itself (bridge has no GC to forward it), portmap too.
        Sandbox.Ok(PluginProcess.Run("host-local", null, new Dictionary<string, string?> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = Repo.BinDir },
            PluginProcess.Utf8(Chain.WithValidAttachments(chain.BridgeConf())), TimeSpan.FromSeconds(30), node.WorkDir), "host-local GC");
        Sandbox.Ok(node.Exec("portmap", new Dictionary<string, string?> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = Repo.BinDir },
            Chain.WithValidAttachments(chain.PortmapConf(null, 1))), "portmap GC");

        Assert.Empty(node.IpFiles());
        Assert.DoesNotContain(node.DataFiles(), f => Path.GetFileName(f).StartsWith('.'));
        Assert.Equal(["lo", "relbr0"], node.HostLinks());
        Assert.Empty(node.BridgePorts());
        var ruleset = node.NftRulesetJson();
        Assert.DoesNotContain($"fi{seed % 10000}x", ruleset, StringComparison.Ordinal);
        Assert.DoesNotContain(node.NftRules(), r => r.Contains($"-fi{seed % 10000}x", StringComparison.Ordinal) || r.Contains($"id: fi{seed % 10000}x", StringComparison.Ordinal));

        // And the node still works: a full ADD, DEL, with nothing left.
        var after = node.NewContainer();
        var result = chain.Add("fi-after", new TestNetnsPath(after.Path), 30000);
        chain.Del("fi-after", after.Path, result, 30000);
        Assert.Empty(node.IpFiles());
    }
}

/// <summary>Plugin processes (found by their CNI_CONTAINERID) that outlived a killed parent.</summary>
public static class Orphans
{
    public static int WaitGone(string containerId, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var count = Count(containerId);
            if (count == 0 || DateTime.UtcNow > deadline)
            {
                return count;
            }

            Thread.Sleep(10);
        }
    }

    private static int Count(string containerId)
    {
        var marker = Encoding.UTF8.GetBytes($"CNI_CONTAINERID={containerId}\0");
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(marker) >= 0)
                {
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile, or a kernel thread.
            }
        }

        return count;
    }
}
