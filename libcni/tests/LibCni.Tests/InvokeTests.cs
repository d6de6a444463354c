using System.Text;
using LibCni.Interop;
using LibCni.Invoke;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

/// <summary>The invocation layer against small shell "plugins": no root needed.</summary>
public sealed class InvokeTests : IDisposable
{
    private static readonly Dictionary<string, string> Env = new() { ["PATH"] = "/usr/bin:/bin", ["CNI_COMMAND"] = "ADD" };
    private readonly string _dir = Directory.CreateTempSubdirectory("cnitest-invoke").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string name, string body)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void Stdin_reaches_the_child_and_stdout_and_stderr_come_back_apart()
    {
        var output = PluginProcess.Run(Script("cat", "cat; echo warn >&2"), Env, "{\"name\":\"n\"}"u8);
        Assert.Equal(new ProcessExit(0, 0), output.Exit);
        Assert.Equal("{\"name\":\"n\"}", Encoding.UTF8.GetString(output.Stdout));
        Assert.Equal("warn\n", Encoding.UTF8.GetString(output.Stderr));
    }

    [Fact]
    public void Only_the_given_environment_is_passed()
    {
        var output = PluginProcess.Run("/usr/bin/env", Env, []);
        Assert.Equal(["PATH=/usr/bin:/bin", "CNI_COMMAND=ADD"], Encoding.UTF8.GetString(output.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Exit_code_and_signals_are_reported_with_go_texts()
    {
        var exit3 = PluginProcess.Run(Script("exit3", "exit 3"), Env, []).Exit;
        Assert.Equal((3, "exit status 3"), (exit3.ExitCode, exit3.ToString()));
        var killed = PluginProcess.Run(Script("kill", "kill -9 $$"), Env, []).Exit;
        Assert.Equal((9, "signal: killed"), (killed.Signal, killed.ToString()));
    }

    [Fact]
    public void Large_output_on_both_streams_while_stdin_is_large_does_not_deadlock()
    {
        // 1 MiB each way: far beyond a pipe buffer, so only a loop serving all three pipes at once finishes.
        var output = PluginProcess.Run(Script("big", "head -c 1048576 /dev/zero >&2; cat"), Env, new byte[1 << 20]);
        Assert.Equal((1 << 20, 1 << 20), (output.Stdout.Length, output.Stderr.Length));
    }

    [Fact]
    public void A_child_that_ignores_a_large_stdin_does_not_hang_us() =>
        Assert.True(PluginProcess.Run("/bin/true", Env, new byte[1 << 20]).Exit.Success);

    [Fact]
    public void Missing_program_is_an_errno_error() =>
        Assert.Equal(Errno.ENOENT, Assert.Throws<ErrnoException>(() => PluginProcess.Run("/nonexistent/plugin", Env, [])).Errno);

    [Fact]
    public void Cancellation_kills_the_process_group_and_reaps_it()
    {
        var ready = Path.Combine(_dir, "ready");
        var plugin = Script("wait", $"sleep 60 & echo $! > {ready}.tmp; mv {ready}.tmp {ready}; wait");
        using var cts = new CancellationTokenSource();
        var run = PluginProcess.RunAsync(plugin, Env.ToList(), [], cts.Token);
        while (!File.Exists(ready))
        {
            Thread.Sleep(10);
        }

        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
        var grandchild = File.ReadAllText(ready).Trim();
        Assert.True(!File.Exists($"/proc/{grandchild}/stat") || File.ReadAllText($"/proc/{grandchild}/stat").Contains(") Z ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "", "exit status 1", "netplugin failed with no error message: exit status 1")]
    [InlineData("", "oops \"x\"\n", "exit status 1", "netplugin failed: \"oops \\\"x\\\"\\n\": exit status 1")]
    [InlineData("", "", "signal: killed", "netplugin failed with no error message: signal: killed")]
    [InlineData("garbage\n", "", "exit status 2", "netplugin failed but error parsing its diagnostic message \"garbage\\n\": ")]
    public void Unstructured_failures_get_code_0_and_the_go_texts(string stdout, string stderr, string exit, string message)
    {
        var status = exit switch { "signal: killed" => new ProcessExit(0, 9), "exit status 2" => new ProcessExit(2, 0), _ => new ProcessExit(1, 0) };
        var error = PluginFailure.Decode(Encoding.UTF8.GetBytes(stdout), Encoding.UTF8.GetBytes(stderr), status);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(CniErrorCode.Unknown, error.Code);
    }

    [Fact]
    public void A_structured_failure_keeps_the_plugins_code_msg_and_details()
    {
        var error = PluginFailure.Decode("""{"code":11,"msg":"try later","details":"locked"}"""u8.ToArray(), "ignored"u8.ToArray(), new ProcessExit(1, 0));
        Assert.Equal((11, "try later", "locked"), (error.Code, error.Message, error.Details));
    }

    [Fact]
    public void Lookup_follows_the_reference_name_rules()
    {
        var first = Path.Combine(_dir, "a");
        var second = Path.Combine(_dir, "b");
        Directory.CreateDirectory(Path.Combine(first, "bridge"));
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "bridge"), "not even executable");

        Assert.Equal(Path.Combine(second, "bridge"), PluginLocator.FindInPath("bridge", [first, second]));
        Assert.Equal("no plugin name provided", Assert.Throws<PluginLookupException>(() => PluginLocator.FindInPath("", [first])).Message);
        Assert.Equal("invalid plugin name: ../bridge", Assert.Throws<PluginLookupException>(() => PluginLocator.FindInPath("../bridge", [first])).Message);
        Assert.True(Assert.Throws<PluginLookupException>(() => PluginLocator.FindInPath("bridge", [])).NoPaths);
        Assert.Equal($"failed to find plugin \"x\" in path [{first} {second}]", Assert.Throws<PluginLookupException>(() => PluginLocator.FindInPath("x", [first, second])).Message);
        Assert.Equal(["/a", "/b"], PluginLocator.SplitPath("/a::/b:"));
    }

    [Fact]
    public void The_delegate_gets_the_callers_environment_from_CmdArgs_with_its_trace_context()
    {
        var record = Path.Combine(_dir, "env");
        Script("ipam", $"env > {record}; cat > /dev/null; echo '{{\"cniVersion\":\"1.1.0\",\"ips\":[]}}'");
        var caller = FakeEnvironment.For("ADD", "{}");
        caller["CNI_PATH"] = _dir;
        caller["TRACEPARENT"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        caller["TRACESTATE"] = "vendor=x";
        caller["BAGGAGE"] = "tenant=a";
        var args = new CmdArgs { Command = "ADD", Path = _dir, StdinData = "{\"cniVersion\":\"1.1.0\"}"u8.ToArray(), ConfigVersion = "1.1.0", Environment = caller };

        ExecDelegatePlugin.Instance.Add("ipam", args);

        var env = File.ReadAllLines(record);
        foreach (var expected in new[] { "CNI_COMMAND=ADD", "CNI_CONTAINERID=c0ffee", "TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "TRACESTATE=vendor=x", "BAGGAGE=tenant=a" })
        {
            Assert.Contains(expected, env);
        }

        // Nothing of the test runner's own environment leaks in: the fake environment is the whole of it.
        Assert.DoesNotContain(env, line => line.StartsWith("HOME=", StringComparison.Ordinal));
    }

    [Fact]
    public void A_delegate_failure_without_an_error_object_is_an_internal_error_naming_the_delegate()
    {
        Script("broken", "echo boom >&2; exit 1");
        var args = new CmdArgs { Command = "DEL", Path = _dir, StdinData = "{}"u8.ToArray(), Environment = FakeEnvironment.For("DEL", "{}") };
        var error = Assert.Throws<CniException>(() => ExecDelegatePlugin.Instance.Del("broken", args));
        Assert.Equal((CniErrorCode.Internal, "netplugin failed: \"boom\\n\": exit status 1", "delegate \"broken\""), (error.Code, error.Message, error.Details));
    }

    [Fact]
    public void A_delegates_stderr_reaches_the_callers_log_on_success()
    {
        Script("chatty", "echo note >&2");
        var log = new StringWriter();
        var args = new CmdArgs { Command = "DEL", Path = _dir, StdinData = "{}"u8.ToArray(), Log = log, Environment = FakeEnvironment.For("DEL", "{}") };
        ExecDelegatePlugin.Instance.Del("chatty", args);
        Assert.Equal("note\n", log.ToString());
    }
}
