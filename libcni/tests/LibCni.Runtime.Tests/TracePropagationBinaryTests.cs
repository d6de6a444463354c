using System.Diagnostics;
using System.Text;
using LibCni.Invoke;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace LibCni.Runtime.Tests;

/// <summary>
/// The trace context end to end with the published bridge: the caller's Activity → CniRuntime → bridge →
/// its IPAM delegate (a recording script), and bridge's error log line carrying the trace id. STATUS needs
/// no namespace, so nothing in the kernel is touched.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class TracePropagationBinaryTests : IDisposable
{
    private const string Conf = """{"cniVersion":"1.1.0","name":"traced","plugins":[{"type":"bridge","bridge":"trc0","ipam":{"type":"recorder"}}]}""";
    private const string PluginConf = """{"cniVersion":"1.1.0","name":"traced","type":"bridge","bridge":"trc0","ipam":{"type":"recorder"}}""";
    private readonly TempDir _dir = new();

    public TracePropagationBinaryTests()
    {
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "bridge"), Repo.Binary("bridge"));
    }

    public void Dispose() => _dir.Dispose();

    private string Recorder(string body)
    {
        var path = _dir.Write("recorder", $"#!/bin/sh\nenv > {_dir.Path}/ipam.env\ncat > /dev/null\n{body}\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    [Fact]
    public async Task The_callers_activity_reaches_the_ipam_plugin_through_bridge()
    {
        Recorder("exit 0");
        var runtime = new CniRuntime([_dir.Path], new ProcessPluginExecutor(inheritedEnvironment: [new("PATH", "/usr/bin:/bin")]), Path.Combine(_dir.Path, "cache"));
        using var activity = new Activity("status").SetIdFormat(ActivityIdFormat.W3C).AddBaggage("tenant", "blue").Start();
        activity.TraceStateString = "vendor=1";

        await runtime.GetStatusNetworkListAsync(ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(Conf)));

        var env = File.ReadAllLines(Path.Combine(_dir.Path, "ipam.env"));
        Assert.Contains($"TRACEPARENT={activity.Id}", env);
        Assert.Contains("TRACESTATE=vendor=1", env);
        Assert.Contains("BAGGAGE=tenant=blue", env);
        Assert.Contains("CNI_COMMAND=STATUS", env);
    }

    [Fact]
    public void Bridge_logs_an_ipam_failure_with_the_trace_id_when_a_log_level_is_set()
    {
        Recorder("""echo '{"cniVersion":"1.1.0","code":50,"msg":"no addresses left"}'; exit 1""");
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var env = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["CNI_COMMAND"] = "STATUS",
            ["CNI_PATH"] = _dir.Path,
            ["CNI_LOG_LEVEL"] = "error",
            ["TRACEPARENT"] = traceParent,
        };

        var output = PluginProcess.Run(Path.Combine(_dir.Path, "bridge"), env, Encoding.UTF8.GetBytes(PluginConf));

        Assert.Equal(1, output.Exit.ExitCode);
        Assert.Equal(50, PluginFailure.Decode(output.Stdout, output.Stderr, output.Exit).Code);
        Assert.Contains("error code=50 msg=\"no addresses left\" trace_id=4bf92f3577b34da6a3ce929d0e0e4736", Encoding.UTF8.GetString(output.Stderr), StringComparison.Ordinal);
        Assert.Contains($"TRACEPARENT={traceParent}", File.ReadAllLines(Path.Combine(_dir.Path, "ipam.env")));
    }
}
