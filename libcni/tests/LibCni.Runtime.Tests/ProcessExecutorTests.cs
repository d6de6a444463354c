using System.Text;
using LibCni.Runtime;
using LibCni.Types;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>The real executor against small bash "plugins" in a temp dir: no root needed.</summary>
public sealed class ProcessExecutorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Plugin(string name, string body)
    {
        var path = _dir.Write(name, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    private static readonly PluginEnvironment Add = new()
    {
        Command = "ADD",
        ContainerId = "ctr1",
        NetNs = "/run/netns/x",
        IfName = "eth0",
        Args = "A=1;B=2",
        Path = "/opt/cni/bin",
    };

    [Fact]
    public async Task The_plugin_gets_the_whole_environment_plus_the_cni_variables_and_stdin()
    {
        var record = Path.Combine(_dir.Path, "record");
        var plugin = Plugin("rec", $"env > {record}.env; cat > {record}.stdin; echo '{{\"cniVersion\":\"1.0.0\"}}'");
        Environment.SetEnvironmentVariable("CNIRT_TEST_INHERITED", "yes");

        var stdout = await new ProcessPluginExecutor().ExecutePluginAsync(plugin, "{\"x\":1}"u8.ToArray(), Add, CancellationToken.None);

        Assert.Equal("{\"cniVersion\":\"1.0.0\"}\n", Encoding.UTF8.GetString(stdout));
        Assert.Equal("{\"x\":1}", File.ReadAllText(record + ".stdin"));
        var env = File.ReadAllLines(record + ".env");
        foreach (var expected in new[] { "CNI_COMMAND=ADD", "CNI_CONTAINERID=ctr1", "CNI_NETNS=/run/netns/x", "CNI_IFNAME=eth0", "CNI_ARGS=A=1;B=2", "CNI_PATH=/opt/cni/bin", "CNIRT_TEST_INHERITED=yes" })
        {
            Assert.Contains(expected, env);
        }
    }

    [Fact]
    public async Task Empty_cni_variables_are_still_set()
    {
        var record = Path.Combine(_dir.Path, "record.env");
        var plugin = Plugin("rec", $"env > {record}");
        await new ProcessPluginExecutor().ExecutePluginAsync(plugin, [], new PluginEnvironment { Command = "GC", Path = "/p" }, CancellationToken.None);
        var env = File.ReadAllLines(record);
        Assert.Contains("CNI_CONTAINERID=", env);
        Assert.Contains("CNI_NETNS=", env);
        Assert.Contains("CNI_IFNAME=", env);
        Assert.Contains("CNI_ARGS=", env);
    }

    [Fact]
    public async Task The_trace_context_of_the_call_is_set_and_replaces_an_inherited_one()
    {
        var record = Path.Combine(_dir.Path, "trace.env");
        var plugin = Plugin("rec", $"env > {record}");
        var inherited = new KeyValuePair<string, string>[] { new("TRACEPARENT", "00-11111111111111111111111111111111-2222222222222222-01"), new("BAGGAGE", "old=1"), new("PATH", "/usr/bin:/bin") };
        var call = Add with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "v=1", Baggage = "tenant=a" };

        await new ProcessPluginExecutor(inheritedEnvironment: inherited).ExecutePluginAsync(plugin, [], call, CancellationToken.None);

        var env = File.ReadAllLines(record);
        Assert.Contains("TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", env);
        Assert.Contains("TRACESTATE=v=1", env);
        Assert.Contains("BAGGAGE=tenant=a", env);
        Assert.Single(env, line => line.StartsWith("TRACEPARENT=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_trace_context_the_inherited_one_passes_through()
    {
        var record = Path.Combine(_dir.Path, "trace.env");
        var plugin = Plugin("rec", $"env > {record}");
        var inherited = new KeyValuePair<string, string>[] { new("TRACEPARENT", "00-11111111111111111111111111111111-2222222222222222-01"), new("PATH", "/usr/bin:/bin") };

        await new ProcessPluginExecutor(inheritedEnvironment: inherited).ExecutePluginAsync(plugin, [], Add, CancellationToken.None);

        Assert.Contains("TRACEPARENT=00-11111111111111111111111111111111-2222222222222222-01", File.ReadAllLines(record));
    }

    [Fact]
    public async Task A_structured_error_keeps_the_plugin_code()
    {
        var plugin = Plugin("err", """echo '{"code":11,"msg":"try later","details":"locked"}'; exit 1""");
        var error = await Assert.ThrowsAsync<CniException>(() => new ProcessPluginExecutor().ExecutePluginAsync(plugin, [], Add, CancellationToken.None));
        Assert.Equal((11, "try later", "locked"), (error.Code, error.Message, error.Details));
    }

    [Theory]
    [InlineData("echo 'oops \"x\"' >&2; exit 1", "netplugin failed: \"oops \\\"x\\\"\\n\"")]
    [InlineData("exit 3", "netplugin failed with no error message: exit status 3")]
    [InlineData("kill -9 $$", "netplugin failed with no error message: signal: killed")]
    [InlineData("echo garbage; exit 2", "netplugin failed but error parsing its diagnostic message \"garbage\\n\": ")]
    public async Task Unstructured_failures_get_the_go_texts(string body, string message)
    {
        var error = await Assert.ThrowsAsync<CniException>(() => new ProcessPluginExecutor().ExecutePluginAsync(Plugin("f", body), [], Add, CancellationToken.None));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Code);
    }

    [Fact]
    public async Task A_file_that_cannot_be_executed_is_reported()
    {
        var path = _dir.Write("noexec", "#!/bin/bash\n");
        var error = await Assert.ThrowsAsync<CniException>(() => new ProcessPluginExecutor().ExecutePluginAsync(path, [], Add, CancellationToken.None));
        Assert.Equal($"netplugin failed with no error message: fork/exec {path}: Permission denied", error.Message);
    }

    [Fact]
    public async Task Stderr_of_a_successful_plugin_is_forwarded()
    {
        var stderr = new StringWriter();
        await new ProcessPluginExecutor { Stderr = stderr }.ExecutePluginAsync(Plugin("s", "echo warning >&2; echo '{}'"), [], Add, CancellationToken.None);
        Assert.Equal("warning\n", stderr.ToString());
    }

    [Fact]
    public async Task A_plugin_past_the_timeout_is_killed_with_its_children()
    {
        var pidFile = Path.Combine(_dir.Path, "child.pid");
        var plugin = Plugin("slow", $"sleep 60 & echo $! > {pidFile}; wait");

        await Assert.ThrowsAsync<TimeoutException>(() =>
            new ProcessPluginExecutor(TimeSpan.FromMilliseconds(500)).ExecutePluginAsync(plugin, [], Add, CancellationToken.None));

        AssertDead(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cancellation_kills_the_plugin()
    {
        var ready = Path.Combine(_dir.Path, "ready");
        var plugin = Plugin("wait", $"echo $$ > {ready}.tmp; mv {ready}.tmp {ready}; sleep 60");
        using var cts = new CancellationTokenSource();
        var run = new ProcessPluginExecutor().ExecutePluginAsync(plugin, [], Add, cts.Token);
        while (!File.Exists(ready))
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        AssertDead(int.Parse(File.ReadAllText(ready).Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Text_file_busy_is_retried_until_the_writer_closes()
    {
        var path = Plugin("busy", "echo '{}'");
        var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var logger = new ListLogger(message =>
        {
            if (message.Contains("busy being written", StringComparison.Ordinal))
            {
                writer.Dispose();
            }
        });

        var stdout = await new ProcessPluginExecutor(logger: logger) { TextFileBusyDelay = TimeSpan.FromMilliseconds(10) }
            .ExecutePluginAsync(path, [], Add, CancellationToken.None);

        Assert.Equal("{}\n", Encoding.UTF8.GetString(stdout));
        Assert.Single(logger.Messages, m => m.Contains("busy being written", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Text_file_busy_gives_up_after_six_attempts()
    {
        var path = Plugin("busy", "echo '{}'");
        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var logger = new ListLogger(_ => { });

        var error = await Assert.ThrowsAsync<CniException>(() => new ProcessPluginExecutor(logger: logger) { TextFileBusyDelay = TimeSpan.FromMilliseconds(1) }
            .ExecutePluginAsync(path, [], Add, CancellationToken.None));

        Assert.Equal($"netplugin failed with no error message: fork/exec {path}: Text file busy", error.Message);
        Assert.Equal(5, logger.Messages.Count(m => m.Contains("busy being written", StringComparison.Ordinal)));
    }

    [Fact]
    public void Lookup_takes_the_first_regular_file_along_the_path()
    {
        var first = Path.Combine(_dir.Path, "a");
        var second = Path.Combine(_dir.Path, "b");
        Directory.CreateDirectory(Path.Combine(first, "bridge"));
        _dir.Write("b/bridge", "not even executable");
        _dir.Write("c/bridge", "");

        var executor = new ProcessPluginExecutor();
        Assert.Equal(Path.Combine(second, "bridge"), executor.FindInPath("bridge", [first, second, Path.Combine(_dir.Path, "c")]));
        Assert.Equal("no plugin name provided", Assert.Throws<CniRuntimeException>(() => executor.FindInPath("", [first])).Message);
        Assert.Equal("invalid plugin name: ../bridge", Assert.Throws<CniRuntimeException>(() => executor.FindInPath("../bridge", [first])).Message);
        Assert.Equal("no paths provided", Assert.Throws<CniRuntimeException>(() => executor.FindInPath("bridge", [])).Message);
        Assert.Equal($"failed to find plugin \"x\" in path [{first} {second}]", Assert.Throws<CniRuntimeException>(() => executor.FindInPath("x", [first, second])).Message);
    }

    private static void AssertDead(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (File.Exists(stat))
        {
            // Killed but not yet reaped by its new parent: a zombie, which is dead.
            Assert.Contains(") Z ", File.ReadAllText(stat), StringComparison.Ordinal);
        }
    }

    private sealed class ListLogger(Action<string> onMessage) : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            Messages.Add(message);
            onMessage(message);
        }
    }
}
