using System.Diagnostics;
using System.Text.Json;
using LibCni.TestKit;
using Xunit;

namespace HostLocal.Tests;

/// <summary>
/// The published AOT binary exec'd as a runtime does, alone, under concurrency, and sharing a store with
/// Debian's reference host-local (Go, v1.1.1) in /usr/lib/cni. host-local never enters the netns, but
/// ADD needs a CNI_NETNS that is not the plugin's own, so each test makes a throwaway one.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class HostLocalBinaryTests : IDisposable
{
    private const string ReferencePlugin = "/usr/lib/cni/host-local";
    private readonly TempDir _temp = new();
    private readonly TestNetns _netns = TestNetns.Create();

    public void Dispose()
    {
        _netns.Dispose();
        _temp.Dispose();
    }

    private string StoreDir => _temp.Combine("net1");

    private string Conf(string version = "1.0.0", string ipam = """ "subnet":"10.7.0.0/24" """) =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"{{{_temp.Path}}}",{{{ipam}}}}}""";

    private ProcessResult Exec(string binary, string command, string conf, string containerId, string ifName = "eth0") =>
        Shell.Exec(binary, [], conf, new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = _netns.Path,
            ["CNI_IFNAME"] = ifName,
            ["CNI_PATH"] = Repo.BinDir,
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=web",
        }, clearEnvironment: true);

    private ProcessResult Ours(string command, string conf, string containerId, string ifName = "eth0") =>
        Exec(Repo.Binary("host-local"), command, conf, containerId, ifName);

    private ProcessResult Reference(string command, string conf, string containerId, string ifName = "eth0")
    {
        Assert.True(File.Exists(ReferencePlugin), $"{ReferencePlugin} is missing: install Debian's containernetworking-plugins");
        return Exec(ReferencePlugin, command, conf, containerId, ifName);
    }

    private static string AddressOf(ProcessResult add)
    {
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        using var doc = JsonDocument.Parse(add.Stdout);
        return doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!;
    }

    private string Content(string name) => File.ReadAllText(Path.Combine(StoreDir, name));

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_check_del_for_every_spec_version(string version)
    {
        var conf = Conf(version);
        var add = Ours("ADD", conf, "ctr1");
        Assert.True(add.ExitCode == 0, add.Stdout);
        using (var doc = JsonDocument.Parse(add.Stdout))
        {
            Assert.Equal(version, doc.RootElement.GetProperty("cniVersion").GetString());
        }

        Assert.Contains("10.7.0.2/24", add.Stdout, StringComparison.Ordinal);
        Assert.Equal("ctr1\r\neth0", Content("10.7.0.2"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(StoreDir, "10.7.0.2")));
        if (SpecVersionData.HasCheck(version))
        {
            Assert.Equal(0, Ours("CHECK", conf, "ctr1").ExitCode);
        }

        var del = Ours("DEL", conf, "ctr1");
        Assert.Equal((0, ""), (del.ExitCode, del.Stdout));
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.7.0.2")));
        Assert.Equal(0, Ours("DEL", conf, "ctr1").ExitCode);
    }

    [Fact]
    public void Invalid_config_prints_the_error_json()
    {
        var add = Ours("ADD", Conf(ipam: """ "subnet":"10.7.0.1/24" """), "ctr1");
        Assert.Equal(1, add.ExitCode);
        using var doc = JsonDocument.Parse(add.Stdout);
        Assert.Equal(7, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.7.0.0",
            doc.RootElement.GetProperty("msg").GetString());
        Assert.Equal("", add.Stderr);
    }

    [Fact]
    public void Twenty_parallel_adds_get_unique_addresses_and_a_consistent_store()
    {
        var conf = Conf(ipam: """ "subnet":"10.7.0.0/27" """);
        var results = new ProcessResult[20];
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i => results[i] = Ours("ADD", conf, $"par{i}"));
        var addresses = results.Select(AddressOf).ToList();
        Assert.Equal(20, addresses.Distinct().Count());

        var records = Directory.GetFiles(StoreDir).Select(Path.GetFileName).Where(n => n!.StartsWith("10.", StringComparison.Ordinal)).ToList();
        Assert.Equal(20, records.Count);
        for (var i = 0; i < 20; i++)
        {
            var ip = addresses[i].Split('/')[0];
            Assert.Equal($"par{i}\r\neth0", Content(ip));
        }

        Assert.DoesNotContain(Directory.GetFiles(StoreDir), f => Path.GetFileName(f).StartsWith(".host-local-tmp-", StringComparison.Ordinal));
        Parallel.For(0, 20, i => Assert.Equal(0, Ours("DEL", conf, $"par{i}").ExitCode));
        Assert.Equal(["last_reserved_ip.0", "lock"], Directory.GetFiles(StoreDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Shares_a_store_with_the_reference_plugin_in_both_directions()
    {
        // The reference is v1.1.1: it speaks up to 1.0.0.
        var conf = Conf("1.0.0", """ "ranges":[[{"subnet":"10.7.0.0/24"}],[{"subnet":"fd00:7::/120"}]] """);

        Assert.Equal("10.7.0.2/24", AddressOf(Ours("ADD", conf, "ours1")));
        Assert.Equal("10.7.0.3/24", AddressOf(Reference("ADD", conf, "ref1")));
        Assert.Equal("10.7.0.4/24", AddressOf(Ours("ADD", conf, "ours2")));
        Assert.Equal("10.7.0.5/24", AddressOf(Reference("ADD", conf, "ref2")));

        // Same bytes whoever wrote them.
        Assert.Equal("ours1\r\neth0", Content("10.7.0.2"));
        Assert.Equal("ref1\r\neth0", Content("10.7.0.3"));
        Assert.Equal("ref1\r\neth0", Content("fd00:7::3"));
        Assert.Equal("10.7.0.5", Content("last_reserved_ip.0"));
        Assert.Equal("fd00:7::5", Content("last_reserved_ip.1"));

        // Each sees the other's reservations in CHECK and refuses a duplicate ADD for them.
        Assert.Equal(0, Ours("CHECK", conf, "ref1").ExitCode);
        Assert.Equal(0, Reference("CHECK", conf, "ours1").ExitCode);
        var duplicate = Ours("ADD", conf, "ref1");
        Assert.Contains("10.7.0.3 has been allocated to ref1, duplicate allocation is not allowed", duplicate.Stdout, StringComparison.Ordinal);

        // Each releases the other's reservations.
        Assert.Equal(0, Ours("DEL", conf, "ref1").ExitCode);
        Assert.Equal(0, Reference("DEL", conf, "ours1").ExitCode);
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.7.0.3")));
        Assert.False(File.Exists(Path.Combine(StoreDir, "fd00:7::3")));
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.7.0.2")));
        Assert.NotEqual(0, Reference("CHECK", conf, "ref1").ExitCode);
        Assert.NotEqual(0, Ours("CHECK", conf, "ours1").ExitCode);

        // Round-robin continues from whoever reserved last.
        Assert.Equal("10.7.0.6/24", AddressOf(Ours("ADD", conf, "ours3")));
        Assert.Equal("10.7.0.7/24", AddressOf(Reference("ADD", conf, "ref3")));
    }

    [Fact]
    public void Interleaved_parallel_adds_with_the_reference_never_collide()
    {
        var conf = Conf("1.0.0", """ "subnet":"10.7.0.0/27" """);
        var results = new ProcessResult[20];
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 },
            i => results[i] = i % 2 == 0 ? Ours("ADD", conf, $"mix{i}") : Reference("ADD", conf, $"mix{i}"));
        var addresses = results.Select(AddressOf).ToList();
        Assert.Equal(20, addresses.Distinct().Count());
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"mix{i}\r\neth0", Content(addresses[i].Split('/')[0]));
        }
    }

    [Fact]
    public void Reads_legacy_and_reference_written_records()
    {
        var conf = Conf();
        Directory.CreateDirectory(StoreDir);
        File.WriteAllText(Path.Combine(StoreDir, "10.7.0.2"), "legacy");
        File.WriteAllText(Path.Combine(StoreDir, ".host-local-tmp-leftover"), "");
        Assert.Equal("10.7.0.3/24", AddressOf(Ours("ADD", conf, "new")));
        Assert.False(File.Exists(Path.Combine(StoreDir, ".host-local-tmp-leftover")));
        Assert.Equal(0, Ours("CHECK", conf, "legacy").ExitCode);
        Assert.Equal(0, Ours("DEL", conf, "legacy").ExitCode);
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.7.0.2")));
    }

    [Fact]
    public void Gc_releases_stale_reservations_of_either_plugin()
    {
        var conf = Conf("1.1.0");
        var refConf = Conf("1.0.0");
        Assert.Equal(0, Ours("ADD", conf, "live").ExitCode);
        Assert.Equal(0, Reference("ADD", refConf, "stale").ExitCode);
        var gc = Shell.Exec(Repo.Binary("host-local"), [], conf[..^1] + ""","cni.dev/valid-attachments":[{"containerID":"live","ifname":"eth0"}]}""",
            new Dictionary<string, string> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = Repo.BinDir }, clearEnvironment: true);
        Assert.Equal((0, ""), (gc.ExitCode, gc.Stdout));
        Assert.True(File.Exists(Path.Combine(StoreDir, "10.7.0.2")));
        Assert.False(File.Exists(Path.Combine(StoreDir, "10.7.0.3")));
        Assert.True(File.Exists(Path.Combine(StoreDir, "lock")));
    }

    [Fact]
    public void Adds_killed_at_random_moments_leave_nothing_that_breaks_del_or_the_next_add()
    {
        var conf = Conf(ipam: """ "subnet":"10.7.0.0/24" """);
        var random = new Random(42);
        var ids = Enumerable.Range(0, 40).Select(i => $"killed{i}").ToList();
        foreach (var id in ids)
        {
            var info = new ProcessStartInfo(Repo.Binary("host-local")) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            info.Environment["CNI_COMMAND"] = "ADD";
            info.Environment["CNI_CONTAINERID"] = id;
            info.Environment["CNI_NETNS"] = _netns.Path;
            info.Environment["CNI_IFNAME"] = "eth0";
            info.Environment["CNI_PATH"] = Repo.BinDir;
            using var process = Process.Start(info)!;
            process.StandardInput.Write(conf);
            process.StandardInput.Close();
            Thread.Sleep(random.Next(0, 30));
            process.Kill();
            process.WaitForExit();
        }

        // Whatever survived is complete: every record names one of the killed containers in full. (Under load
        // every ADD may die before it makes the store directory.)
        Directory.CreateDirectory(StoreDir);
        foreach (var file in Directory.GetFiles(StoreDir).Where(f => Path.GetFileName(f).StartsWith("10.", StringComparison.Ordinal)))
        {
            Assert.Contains(File.ReadAllText(file), ids.Select(id => $"{id}\r\neth0"));
        }

        // The runtime's next call for a killed ADD is DEL: it must succeed and release everything.
        foreach (var id in ids)
        {
            Assert.Equal(0, Ours("DEL", conf, id).ExitCode);
        }

        Assert.DoesNotContain(Directory.GetFiles(StoreDir), f => Path.GetFileName(f).StartsWith("10.", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetFiles(StoreDir), f => Path.GetFileName(f).StartsWith(".host-local-tmp-", StringComparison.Ordinal));
        AddressOf(Ours("ADD", conf, "after"));
    }
}
