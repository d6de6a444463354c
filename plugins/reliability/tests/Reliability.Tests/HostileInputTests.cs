using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LibCni.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace Reliability.Tests;

/// <summary>
/// Inputs an attacker (or a broken runtime) could send a root plugin: path tricks in identifiers,
/// symlinked or unusable store paths, huge and deeply nested stdin. Each is refused with the exact code
/// and a message naming the field, nothing is written outside dataDir, and nothing crashes.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Tier", "Binary")]
public sealed class HostileInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly Sandbox _node = new("cnihi");
    private readonly string _outside = Directory.CreateTempSubdirectory("cni-outside-").FullName;

    public void Dispose()
    {
        _node.Dispose();
        Directory.Delete(_outside, recursive: true);
    }

    private string HostLocalConf(string name = "hostile", string? dataDir = null) =>
        $$$"""{"cniVersion":"1.1.0","name":{{{JsonString(name)}}},"type":"bridge","ipam":{"type":"host-local","dataDir":{{{JsonString(dataDir ?? _node.DataDir)}}},"subnet":"10.55.0.0/24"}}""";

    private static string JsonString(string text) => System.Text.Json.Nodes.JsonValue.Create(text).ToJsonString();

    private ExecOutcome Run(string plugin, string command, string stdin, string containerId = "ctr", string ifName = "eth0") =>
        _node.Exec(plugin, Sandbox.Env(command, containerId, _node.Container.Path, ifName), stdin);

    private ExecOutcome Run(string plugin, Dictionary<string, string?> env, byte[] stdin) =>
        PluginProcess.Run(plugin, _node.Host.Name, env, stdin, TimeSpan.FromSeconds(60), _node.WorkDir);

    /// <summary>Exit 1, one CNI error with this code, its msg containing <paramref name="field"/>, and no stack trace.</summary>
    private static JsonElement Refused(ExecOutcome outcome, int code, string field)
    {
        Assert.Null(Verdict.Violation(outcome, "ADD"));
        Assert.True(outcome.ExitCode == 1, outcome.ToString());
        using var doc = JsonDocument.Parse(outcome.Stdout);
        Assert.True(code == doc.RootElement.GetProperty("code").GetInt32(), outcome.ToString());
        var text = doc.RootElement.GetProperty("msg").GetString() + " " + (doc.RootElement.TryGetProperty("details", out var d) ? d.GetString() : "");
        Assert.True(text.Contains(field, StringComparison.OrdinalIgnoreCase), $"the error should name {field}: {outcome}");
        return doc.RootElement.Clone();
    }

    /// <summary>Nothing outside dataDir: the scratch cwd and the "outside" target stay empty, no default store appeared.</summary>
    private void NothingWrittenOutside()
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(_node.WorkDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
        Assert.False(Directory.Exists("/var/lib/cni/networks/hostile"), "a hostile input reached the default dataDir");
    }

    public static TheoryData<string, string> BadContainerIds => new()
    {
        { "../../etc", "containerID" },
        { "a/b", "containerID" },
        { "a\nb", "containerID" },
        { "-leading-dash", "containerID" },
        { "ünïcode", "containerID" },
    };

    [Theory]
    [MemberData(nameof(BadContainerIds))]
    public void Container_ids_with_path_tricks_are_refused_by_every_plugin(string id, string field)
    {
        foreach (var plugin in new[] { "host-local", "bridge", "portmap", "loopback", "tuning" })
        {
            foreach (var command in new[] { "ADD", "DEL", "CHECK" })
            {
                Refused(Run(plugin, command, HostLocalConf(), containerId: id), 4, field);
            }
        }

        Assert.Empty(_node.DataFiles());
        NothingWrittenOutside();
    }

    public static TheoryData<string, string> BadIfNames => new()
    {
        { "../x", "interface name" },
        { "a/b", "interface name" },
        { "eth0\n", "interface name" },
        { "..", "interface name" },
        { new string('i', 200), "interface name" },
    };

    [Theory]
    [MemberData(nameof(BadIfNames))]
    public void Interface_names_with_path_tricks_or_200_bytes_are_refused(string ifName, string field)
    {
        foreach (var plugin in new[] { "host-local", "bridge", "portmap", "tuning" })
        {
            Refused(Run(plugin, "ADD", HostLocalConf(), ifName: ifName), 4, field);
        }

        Assert.Empty(_node.DataFiles());
        Assert.Equal(["lo"], _node.HostLinks());
        NothingWrittenOutside();
    }

    public static TheoryData<string> BadNetworkNames => new() { "../../etc", "a/b", "a\u0000b", "a\nb", ".." };

    [Theory]
    [MemberData(nameof(BadNetworkNames))]
    public void Network_names_with_path_tricks_are_refused_before_touching_the_store(string name)
    {
        foreach (var plugin in new[] { "host-local", "bridge", "portmap", "loopback", "tuning" })
        {
            Refused(Run(plugin, "ADD", HostLocalConf(name)), 7, "network name");
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_node.DataDir));
        NothingWrittenOutside();
    }

    [Fact]
    public void A_300_byte_network_name_fails_cleanly_and_a_200_byte_one_works()
    {
        var longest = new string('n', 200);
        var add = Run("host-local", "ADD", HostLocalConf(longest));
        Sandbox.Ok(add, "200-byte network name");
        Sandbox.Ok(Run("host-local", "DEL", HostLocalConf(longest)), "DEL");
        Assert.Empty(_node.IpFiles());

        // Longer than a file name may be (255 bytes): the store directory cannot exist.
        var error = Refused(Run("host-local", "ADD", HostLocalConf(new string('n', 300))), 5, new string('n', 300));
        output.WriteLine(error.ToString());
        NothingWrittenOutside();
    }

    /// <summary>
    /// Store errors the plugin did not foresee reach the runtime as the exception's message; with
    /// UseSystemResourceKeys native AOT would print resource keys ("IO_PathNotFound_Path, /x/y").
    /// </summary>
    [Fact]
    public void Store_errors_read_as_text_not_resource_keys()
    {
        var file = Path.Combine(_node.Root, "not-a-dir");
        File.WriteAllText(file, "x");
        foreach (var conf in new[] { HostLocalConf(new string('n', 300)), HostLocalConf(dataDir: file) })
        {
            var msg = Refused(Run("host-local", "ADD", conf), 5, "/").GetProperty("msg").GetString();
            Assert.DoesNotContain("IO_", msg, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_200_byte_container_id_is_accepted_and_its_rules_stay_apart_from_a_sibling_with_the_same_prefix()
    {
        // The spec sets no length limit. portmap's rule tag is truncated to nft's 128-byte comment, so two
        // long IDs sharing a prefix must still not delete each other's rules.
        var chain = new Chain(_node, subnet: "10.56.0.0/16");
        var prefix = new string('c', 200);
        var first = _node.NewContainer();
        var second = _node.NewContainer();
        var firstResult = chain.Add(prefix + "1", new TestNetnsPath(first.Path), 40001);
        chain.Add(prefix + "2", new TestNetnsPath(second.Path), 40002);
        chain.Del(prefix + "1", first.Path, firstResult, 40001);
        var ruleset = _node.NftRulesetJson();
        Assert.DoesNotContain("40001", ruleset, StringComparison.Ordinal);
        Assert.True(ruleset.Contains("40002", StringComparison.Ordinal), "DEL of one long ID removed its sibling's port forward");
        Assert.Single(_node.IpFiles());
    }

    [Fact]
    public void A_store_directory_symlinked_outside_is_refused_and_nothing_lands_in_the_target()
    {
        File.CreateSymbolicLink(Path.Combine(_node.DataDir, "hostile"), _outside);
        foreach (var command in new[] { "ADD", "DEL", "CHECK", "STATUS" })
        {
            var outcome = Run("host-local", command, HostLocalConf());
            Assert.Equal(1, outcome.ExitCode);
            Assert.Contains("symbolic link", outcome.Stdout, StringComparison.Ordinal);
            Assert.Null(Verdict.Violation(outcome, command));
        }

        NothingWrittenOutside();
    }

    [Fact]
    public void A_lock_file_symlinked_outside_is_refused_and_the_target_is_untouched()
    {
        var store = Directory.CreateDirectory(Path.Combine(_node.DataDir, "hostile")).FullName;
        var target = Path.Combine(Path.GetTempPath(), $"cni-lock-target-{Guid.NewGuid():N}");
        File.WriteAllText(target, "precious");
        try
        {
            File.CreateSymbolicLink(Path.Combine(store, "lock"), target);
            var add = Run("host-local", "ADD", HostLocalConf());
            Assert.Equal(1, add.ExitCode);
            Assert.Contains("symbolic link", add.Stdout, StringComparison.Ordinal);
            Assert.Equal("precious", File.ReadAllText(target));
            Assert.Equal(["lock"], Directory.GetFileSystemEntries(store).Select(Path.GetFileName));
        }
        finally
        {
            File.Delete(target);
        }
    }

    [Fact]
    public void Symlinked_bookkeeping_and_reservation_files_are_replaced_not_followed()
    {
        var store = Directory.CreateDirectory(Path.Combine(_node.DataDir, "hostile")).FullName;
        var target = Path.Combine(_outside, "target");
        File.WriteAllText(target, "precious");
        File.CreateSymbolicLink(Path.Combine(store, "last_reserved_ip.0"), target);
        File.CreateSymbolicLink(Path.Combine(store, "10.55.0.2"), target);

        var add = Run("host-local", "ADD", HostLocalConf());
        Sandbox.Ok(add, "ADD next to symlinks");
        Assert.Equal("precious", File.ReadAllText(target));
        Sandbox.Ok(Run("host-local", "DEL", HostLocalConf()), "DEL");
        Assert.Equal("precious", File.ReadAllText(target));
        Assert.Equal(["target"], Directory.GetFileSystemEntries(_outside).Select(Path.GetFileName));
    }

    [Fact]
    public void A_data_dir_that_is_a_file_fails_cleanly_for_every_verb()
    {
        var file = Path.Combine(_node.Root, "not-a-dir");
        File.WriteAllText(file, "x");
        foreach (var command in new[] { "ADD", "DEL", "CHECK" })
        {
            Refused(Run("host-local", command, HostLocalConf(dataDir: file)), 5, "not-a-dir");
        }

        Refused(Run("host-local", "STATUS", HostLocalConf(dataDir: file)), 50, "not-a-dir");
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_read_only_data_dir_fails_cleanly_and_leaves_no_veth()
    {
        var readOnly = Directory.CreateDirectory(Path.Combine(_node.Root, "ro")).FullName;
        Shell.Run("mount", "--bind", readOnly, readOnly);
        try
        {
            Shell.Run("mount", "-o", "remount,bind,ro", readOnly);
            var add = Run("host-local", "ADD", HostLocalConf(dataDir: readOnly));
            var error = Refused(add, 5, "Read-only");
            output.WriteLine(error.ToString());
            Refused(Run("host-local", "STATUS", HostLocalConf(dataDir: readOnly)), 50, "Read-only");

            var bridgeConf = HostLocalConf(dataDir: readOnly).Replace("\"type\":\"bridge\"", "\"type\":\"bridge\",\"bridge\":\"hibr0\"", StringComparison.Ordinal);
            var bridgeAdd = Run("bridge", "ADD", bridgeConf);
            Refused(bridgeAdd, 5, "Read-only");
            Assert.DoesNotContain(_node.HostLinks(), l => l.StartsWith("veth", StringComparison.Ordinal));
            Assert.Equal(["lo"], Sandbox.Links(_node.Container.Path));
        }
        finally
        {
            Shell.Run("umount", readOnly);
        }
    }

    public static TheoryData<string> AllPlugins => new(CaseGenerator.Plugins);

    [Theory]
    [MemberData(nameof(AllPlugins))]
    public void Fifty_megabytes_of_stdin_get_a_clean_answer_in_bounded_memory(string plugin)
    {
        // A valid config carrying a 50 MB string, and 50 MB of whitespace after a config.
        var padding = new string('x', 50 << 20);
        var conf = HostLocalConf().Replace("\"type\":\"bridge\"", $"\"type\":\"{(plugin == "host-local" ? "bridge" : plugin)}\",\"padding\":\"{padding}\"", StringComparison.Ordinal);
        foreach (var stdin in new[] { conf, HostLocalConf() + new string(' ', 50 << 20) })
        {
            var (outcome, peakKb) = RunMeasured(plugin, Sandbox.Env("ADD", "huge", _node.Container.Path), Encoding.UTF8.GetBytes(stdin));
            output.WriteLine($"{plugin}: {stdin.Length >> 20} MB stdin -> exit {outcome.ExitCode}, peak RSS {peakKb / 1024} MB: {outcome.Stdout[..Math.Min(200, outcome.Stdout.Length)]}");
            Assert.Null(Verdict.Violation(outcome, "ADD"));
            Assert.True(peakKb < 1024 * 1024, $"peak RSS {peakKb} kB for a 50 MB stdin");
            if (outcome.ExitCode == 0)
            {
                Sandbox.Ok(Run(plugin, Sandbox.Env("DEL", "huge", _node.Container.Path), Encoding.UTF8.GetBytes(HostLocalConf().Replace("\"type\":\"bridge\"", $"\"type\":\"{(plugin == "host-local" ? "bridge" : plugin)}\"", StringComparison.Ordinal))), "DEL");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllPlugins))]
    public void A_hundred_thousand_levels_of_nesting_is_an_error_not_a_stack_overflow(string plugin)
    {
        const int depth = 100_000;
        var nested = new string('[', depth) + new string(']', depth);
        var inIpam = HostLocalConf().Replace("\"subnet\":\"10.55.0.0/24\"", $"\"subnet\":\"10.55.0.0/24\",\"deep\":{nested}", StringComparison.Ordinal);
        var objects = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        foreach (var stdin in new[] { nested, inIpam, objects })
        {
            foreach (var command in new[] { "ADD", "DEL", "CHECK", "GC", "STATUS" })
            {
                var outcome = Run(plugin, Sandbox.Env(command, "deep", _node.Container.Path), Encoding.UTF8.GetBytes(stdin));
                Assert.True(Verdict.Violation(outcome, command) is null, $"{plugin} {command}: {Verdict.Violation(outcome, command)}: {outcome}");
                Assert.Equal(1, outcome.ExitCode);
            }
        }

        Assert.Empty(_node.IpFiles());
    }

    [Fact]
    public void An_ipam_type_with_a_path_is_never_executed()
    {
        var marker = Path.Combine(_outside, "ran");
        var script = Path.Combine(_node.Root, "evil");
        File.WriteAllText(script, $"#!/bin/sh\ntouch {marker}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var type in new[] { script, "../../" + Path.GetRelativePath("/", script), "../evil" })
        {
            var conf = $$$"""{"cniVersion":"1.1.0","name":"hostile","type":"bridge","bridge":"hibr1","ipam":{"type":{{{JsonString(type)}}}}}""";
            var env = Sandbox.Env("ADD", "evil", _node.Container.Path);
            env["CNI_PATH"] = Repo.BinDir;
            Refused(Run("bridge", env, Encoding.UTF8.GetBytes(conf)), 7, "invalid plugin name");
        }

        Assert.False(File.Exists(marker), "bridge executed an IPAM plugin outside CNI_PATH");
        Assert.DoesNotContain(_node.HostLinks(), l => l.StartsWith("veth", StringComparison.Ordinal));
    }

    /// <summary>Runs under GNU time to read the plugin's peak RSS.</summary>
    private (ExecOutcome Outcome, long PeakKb) RunMeasured(string plugin, Dictionary<string, string?> env, byte[] stdin)
    {
        var report = Path.Combine(_node.Root, "rss");
        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _node.WorkDir };
        foreach (var arg in new[] { "-f", "%M", "-o", report, "nsenter", $"--net={_node.Host.Path}", "--", Path.Combine(Repo.BinDir, plugin) })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (name, value) in env.Where(kv => kv.Value is not null))
        {
            info.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Refused before reading everything.
        }

        var finished = process.WaitForExit(TimeSpan.FromSeconds(60));
        if (!finished)
        {
            process.Kill();
        }

        process.WaitForExit();
        var outcome = new ExecOutcome(process.ExitCode, !finished, false, stdout.Result, stderr.Result, clock.Elapsed);
        return (outcome, long.Parse(File.ReadAllLines(report).Last(l => l.Length > 0 && char.IsDigit(l[0])), System.Globalization.CultureInfo.InvariantCulture));
    }
}
