using System.Text.Json;
using LibCni.TestKit;
using Xunit;

namespace Loopback.Tests;

/// <summary>Runs the published AOT binary exactly as a runtime does: env, stdin, stdout, exit code.</summary>
[Trait("Tier", "Binary")]
public class LoopbackBinaryTests
{
    private static ProcessResult Exec(string command, string stdin, string netns, string ifName = "eth0", string containerId = "ctr1") =>
        Shell.Exec(Repo.Binary("loopback"), [], stdin, new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifName,
            ["CNI_PATH"] = Repo.BinDir,
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=web",
        }, clearEnvironment: true);

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_check_del_for_every_spec_version(string version)
    {
        using var container = TestNetns.Create();
        var conf = $$"""{"cniVersion":"{{version}}","name":"lo-net","type":"loopback"}""";

        var add = Exec("ADD", conf, container.Path);
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        using (var doc = JsonDocument.Parse(add.Stdout))
        {
            Assert.Equal(version, doc.RootElement.GetProperty("cniVersion").GetString());
        }

        Assert.Contains("inet 127.0.0.1/8", container.Ip("addr", "show", "lo"), StringComparison.Ordinal);
        Assert.Contains("LOWER_UP", container.Ip("link", "show", "lo"), StringComparison.Ordinal);

        if (SpecVersionData.HasCheck(version))
        {
            var check = Exec("CHECK", conf, container.Path);
            Assert.True(check.ExitCode == 0, check.Stdout);
            Assert.Equal("", check.Stdout);
        }

        var del = Exec("DEL", conf, container.Path);
        Assert.True(del.ExitCode == 0, del.Stdout);
        Assert.Equal("", del.Stdout);
        Assert.DoesNotContain(",UP", container.Ip("link", "show", "lo"), StringComparison.Ordinal);

        if (SpecVersionData.HasCheck(version))
        {
            var check = Exec("CHECK", conf, container.Path);
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("loopback interface is down", check.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Del_is_idempotent_and_succeeds_with_the_netns_gone()
    {
        var container = TestNetns.Create();
        var conf = """{"cniVersion":"1.1.0","name":"lo-net","type":"loopback"}""";
        Assert.Equal(0, Exec("ADD", conf, container.Path).ExitCode);
        Assert.Equal(0, Exec("DEL", conf, container.Path).ExitCode);
        Assert.Equal(0, Exec("DEL", conf, container.Path).ExitCode);
        var path = container.Path;
        container.Dispose();
        var del = Exec("DEL", conf, path);
        Assert.Equal(0, del.ExitCode);
        Assert.Equal("", del.Stdout);
    }

    [Fact]
    public void Add_into_a_missing_netns_fails_with_an_error_json()
    {
        PrivateHost.Require();
        var add = Exec("ADD", """{"cniVersion":"1.1.0","name":"lo-net","type":"loopback"}""", "/run/netns/cnitest-missing");
        Assert.Equal(1, add.ExitCode);
        using var doc = JsonDocument.Parse(add.Stdout);
        Assert.Equal(999, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("cnitest-missing", doc.RootElement.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Version_and_about()
    {
        PrivateHost.Require();
        var version = Shell.Exec(Repo.Binary("loopback"), [], "", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, clearEnvironment: true);
        Assert.Equal(0, version.ExitCode);
        Assert.Equal("""{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}""" + "\n", version.Stdout);

        var about = Shell.Exec(Repo.Binary("loopback"), [], "", null, clearEnvironment: true);
        Assert.Equal(0, about.ExitCode);
        Assert.Equal("", about.Stdout);
        Assert.StartsWith("CNI loopback plugin v", about.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_does_not_read_the_mount_table_however_many_mounts_there_are()
    {
        PrivateHost.Require();
        var trace = Path.Combine(Path.GetTempPath(), $"cni-mountinfo-{Guid.NewGuid():N}");
        var mounts = Directory.CreateTempSubdirectory("cni-mounts-").FullName;
        try
        {
            // 400 extra mounts in a throwaway mount namespace, then the binary under strace.
            var script = "mount -t tmpfs cni-mounts \"$DIR\" && for i in $(seq 1 400); do mkdir \"$DIR/$i\" && mount -t tmpfs m \"$DIR/$i\" || exit 9; done; " +
                         "exec strace -f -qq -e trace=openat -o \"$TRACE\" \"$BIN\"";
            var run = Shell.Exec("unshare", ["-m", "--propagation", "private", "sh", "-c", script], "", new Dictionary<string, string>
            {
                ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin",
                ["DIR"] = mounts,
                ["TRACE"] = trace,
                ["BIN"] = Repo.Binary("loopback"),
                ["CNI_COMMAND"] = "VERSION",
            }, clearEnvironment: true);
            Assert.Equal(0, run.ExitCode);
            Assert.StartsWith("""{"cniVersion":"1.1.0",""", run.Stdout, StringComparison.Ordinal);

            var opens = File.ReadAllLines(trace);
            // The GC's two reads of the mount table are answered without it (libcni/native/mountinfo-cgroup.c)...
            Assert.DoesNotContain(opens, line => line.Contains("\"/proc/self/mountinfo\"", StringComparison.Ordinal));
            if (File.ReadAllLines("/proc/self/mountinfo").Any(line => line.Contains(" /sys/fs/cgroup", StringComparison.Ordinal) && line.Contains(" - cgroup", StringComparison.Ordinal)))
            {
                // ...and it still finds its cgroup: it goes on to read the cgroup's own files.
                Assert.Contains(opens, line => line.Contains("\"/sys/fs/cgroup/", StringComparison.Ordinal));
            }
        }
        finally
        {
            File.Delete(trace);
            Directory.Delete(mounts, recursive: true);
        }
    }

    [Fact]
    public void Standard_streams_closed_or_broken_end_without_a_stack_trace()
    {
        PrivateHost.Require();
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION", ["BIN"] = Repo.Binary("loopback") };

        // stdout closed: the result cannot be written, so exit 1 and say why on stderr.
        var closed = Shell.Exec("sh", ["-c", "exec >&-; \"$BIN\""], "", env, clearEnvironment: true);
        Assert.Equal(1, closed.ExitCode);
        Assert.StartsWith("cannot write the error (code 999: write fd 1: Bad file descriptor)", closed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", closed.Stderr, StringComparison.Ordinal);

        // stdout a pipe whose reader is gone: dropped, as Console's stream drops it.
        var broken = Shell.Exec("sh", ["-c", "exec 3>&1; { \"$BIN\"; echo \"exit $?\" >&3; } | true"], "", env, clearEnvironment: true);
        Assert.Equal("exit 0\n", broken.Stdout);
        Assert.Equal("", broken.Stderr);

        // stdin closed: the spec's error JSON (code 5), as the reference gives.
        var add = Shell.Exec("sh", ["-c", "exec <&-; \"$BIN\""], "", new Dictionary<string, string>
        {
            ["BIN"] = Repo.Binary("loopback"),
            ["CNI_COMMAND"] = "ADD",
            ["CNI_CONTAINERID"] = "closed-stdin",
            ["CNI_NETNS"] = "/proc/self/ns/net",
            ["CNI_IFNAME"] = "lo",
        }, clearEnvironment: true);
        Assert.Equal(1, add.ExitCode);
        using var doc = JsonDocument.Parse(add.Stdout);
        Assert.Equal(5, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("error reading from stdin: read fd 0: Bad file descriptor", doc.RootElement.GetProperty("msg").GetString());
    }

    [Fact]
    public void Bad_environment_is_an_error_json_with_exit_1()
    {
        PrivateHost.Require();
        var result = Exec("ADD", """{"cniVersion":"1.1.0","name":"lo-net","type":"loopback"}""", "/run/netns/x", containerId: "bad/id");
        Assert.Equal(1, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(4, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("invalid characters in containerID", doc.RootElement.GetProperty("msg").GetString());
    }
}
