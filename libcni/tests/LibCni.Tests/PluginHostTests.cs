using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace LibCni.Tests;

public class PluginHostTests
{
    private const string Conf = """{"cniVersion":"1.1.0","name":"net1","type":"test"}""";

    private static (int Exit, FakeEnvironment Env, Mock<ICniPlugin> Plugin) Run(FakeEnvironment env, INetnsIdentity? identity = null)
    {
        var plugin = new Mock<ICniPlugin>(MockBehavior.Strict);
        plugin.Setup(p => p.Add(It.IsAny<CmdArgs>())).Returns(new Result100 { Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.0.0.2/24") }] });
        plugin.Setup(p => p.Del(It.IsAny<CmdArgs>()));
        plugin.Setup(p => p.Check(It.IsAny<CmdArgs>()));
        plugin.Setup(p => p.Gc(It.IsAny<CmdArgs>()));
        plugin.Setup(p => p.Status(It.IsAny<CmdArgs>()));
        var exit = new PluginHost(plugin.Object, "CNI test plugin v9", identity).Run(env);
        return (exit, env, plugin);
    }

    private static CniError Error(FakeEnvironment env) =>
        SpecJson.ReadError(JsonFields.Parse(Encoding.UTF8.GetBytes(env.Output), "test"));

    private static void AssertError(FakeEnvironment env, int exit, int code, string msg, string? details = null)
    {
        Assert.Equal(1, exit);
        var error = Error(env);
        Assert.Equal(code, error.Code);
        Assert.Equal(msg, error.Msg);
        if (details is not null)
        {
            Assert.Equal(details, error.Details);
        }

        Assert.DoesNotContain("   at ", env.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_result_that_cannot_be_written_exits_one_with_a_line_on_stderr_and_no_stack_trace()
    {
        var env = FakeEnvironment.For("ADD", Conf);
        env.StdoutFailure = new LibCni.Interop.ErrnoException(LibCni.Kernel.Errno.EBADF, "write fd 1");
        var (exit, _, _) = Run(env);
        Assert.Equal(1, exit);
        var stderr = env.StderrWriter.ToString();
        Assert.Contains("cannot write the error (code 999: write fd 1: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void No_command_prints_about_on_stderr_and_exits_zero()
    {
        var (exit, env, _) = Run(new FakeEnvironment());
        Assert.Equal(0, exit);
        Assert.Equal("", env.Output);
        Assert.Equal("CNI test plugin v9\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n", env.StderrWriter.ToString());
    }

    [Theory]
    [InlineData("ADD", "CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME")]
    [InlineData("CHECK", "CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME")]
    [InlineData("DEL", "CNI_CONTAINERID,CNI_IFNAME")]
    [InlineData("GC", "CNI_PATH")]
    public void Missing_variables_are_reported_together_in_reference_order(string command, string missing)
    {
        var (exit, env, plugin) = Run(new FakeEnvironment(Conf, ("CNI_COMMAND", command)));
        AssertError(env, exit, 4, $"required env variables [{missing}] missing");
        plugin.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("CHECK")]
    [InlineData("DEL")]
    [InlineData("STATUS")]
    public void Cni_path_is_optional_except_for_gc(string command)
    {
        var env = FakeEnvironment.For(command, Conf);
        env["CNI_PATH"] = "";
        var (exit, _, _) = Run(env);
        Assert.True(exit == 0, env.Output);
    }

    [Fact]
    public void Empty_variable_counts_as_missing()
    {
        var env = FakeEnvironment.For("ADD", Conf);
        env["CNI_NETNS"] = "";
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 4, "required env variables [CNI_NETNS] missing");
    }

    [Fact]
    public void Version_ignores_stdin_and_prints_supported_versions()
    {
        var env = new FakeEnvironment("not json at all", ("CNI_COMMAND", "VERSION"));
        var (exit, _, _) = Run(env);
        Assert.Equal(0, exit);
        Assert.Equal("""{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}""" + "\n", env.Output);
    }

    [Fact]
    public void Unreadable_stdin_is_code_5()
    {
        var env = FakeEnvironment.For("ADD", Conf);
        env.StdinFailure = new IOException("broken pipe");
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 5, "error reading from stdin: broken pipe");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("""{"name": 5}""")]
    public void Undecodable_config_is_code_6(string stdin)
    {
        var env = FakeEnvironment.For("ADD", stdin);
        var (exit, _, plugin) = Run(env);
        Assert.Equal(1, exit);
        var error = Error(env);
        Assert.Equal(6, error.Code);
        Assert.StartsWith("error unmarshall network config: ", error.Msg, StringComparison.Ordinal);
        plugin.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.1.0"}""")]
    [InlineData("""{"cniVersion":"1.1.0","name":""}""")]
    [InlineData("null")]
    public void Missing_network_name_is_code_7(string stdin)
    {
        var env = FakeEnvironment.For("ADD", stdin);
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 7, "missing network name");
    }

    [Theory]
    [InlineData("-net")]
    [InlineData("net/1")]
    [InlineData("../etc")]
    [InlineData("net 1")]
    public void Invalid_network_name_is_code_7_naming_it(string name)
    {
        var env = FakeEnvironment.For("ADD", $$"""{"cniVersion":"1.1.0","name":"{{name}}"}""");
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 7, "invalid characters found in network name", name);
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("DEL")]
    [InlineData("CHECK")]
    public void Invalid_container_id_is_code_4_naming_it(string command)
    {
        var env = FakeEnvironment.For(command, Conf);
        env["CNI_CONTAINERID"] = "../../etc";
        var (exit, _, plugin) = Run(env);
        AssertError(env, exit, 4, "invalid characters in containerID", "../../etc");
        plugin.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("a-very-long-ifname", "interface name is too long", "interface name should be less than 16 characters")]
    [InlineData(".", "interface name is . or ..", null)]
    [InlineData("..", "interface name is . or ..", null)]
    [InlineData("eth/0", "interface name contains / or : or whitespace characters", null)]
    [InlineData("eth:0", "interface name contains / or : or whitespace characters", null)]
    [InlineData("eth 0", "interface name contains / or : or whitespace characters", null)]
    [InlineData("eth\n0", "interface name contains / or : or whitespace characters", null)]
    public void Invalid_interface_name_is_code_4(string ifName, string msg, string? details)
    {
        var env = FakeEnvironment.For("ADD", Conf, ifName: ifName);
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 4, msg, details);
    }

    [Fact]
    public void Unknown_command_is_code_4_after_config_validation()
    {
        var env = new FakeEnvironment(Conf, ("CNI_COMMAND", "FROB"));
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 4, "unknown CNI_COMMAND: FROB");

        env = new FakeEnvironment("{}", ("CNI_COMMAND", "FROB"));
        (exit, _, _) = Run(env);
        AssertError(env, exit, 7, "missing network name");
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("DEL")]
    public void Unsupported_config_version_is_code_1(string command)
    {
        var env = FakeEnvironment.For(command, """{"cniVersion":"9.9.9","name":"net1"}""");
        var (exit, _, plugin) = Run(env);
        AssertError(env, exit, 1, "incompatible CNI versions",
            "config is \"9.9.9\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" \"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]");
        plugin.VerifyNoOtherCalls();
        Assert.Contains("\"cniVersion\": \"9.9.9\"", env.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.1.0", false)]
    [InlineData("0.3.1", false)]
    [InlineData("0.4.0", true)]
    [InlineData("1.1.0", true)]
    public void Check_needs_config_version_040(string version, bool allowed)
    {
        var env = FakeEnvironment.For("CHECK", $$"""{"cniVersion":"{{version}}","name":"net1"}""");
        var (exit, _, plugin) = Run(env);
        if (allowed)
        {
            Assert.Equal(0, exit);
            plugin.Verify(p => p.Check(It.IsAny<CmdArgs>()), Times.Once);
        }
        else
        {
            AssertError(env, exit, 1, "config version does not allow CHECK");
        }
    }

    [Theory]
    [InlineData("GC")]
    [InlineData("STATUS")]
    public void Gc_and_status_need_config_version_110(string command)
    {
        var env = new FakeEnvironment("""{"cniVersion":"1.0.0","name":"net1"}""", ("CNI_COMMAND", command), ("CNI_PATH", "/bin"));
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 1, $"config version does not allow {command}");

        env = new FakeEnvironment(Conf, ("CNI_COMMAND", command), ("CNI_PATH", "/bin"));
        (exit, _, _) = Run(env);
        Assert.Equal(0, exit);
        Assert.Equal("", env.Output);
    }

    [Fact]
    public void Unparsable_version_on_check_is_code_6()
    {
        var env = FakeEnvironment.For("CHECK", """{"cniVersion":"1.x","name":"net1"}""");
        var (exit, _, _) = Run(env);
        AssertError(env, exit, 6, "failed to convert minor version part \"x\": invalid syntax");
    }

    [Theory]
    [InlineData("0.1.0", "ip4")]
    [InlineData("0.2.0", "ip4")]
    [InlineData("0.3.0", "ips")]
    [InlineData("0.4.0", "ips")]
    [InlineData("1.0.0", "ips")]
    [InlineData("1.1.0", "ips")]
    public void Add_prints_result_in_config_version(string version, string ipKey)
    {
        var env = FakeEnvironment.For("ADD", $$"""{"cniVersion":"{{version}}","name":"net1"}""");
        var (exit, _, _) = Run(env);
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(env.Output);
        Assert.Equal(version, doc.RootElement.GetProperty("cniVersion").GetString());
        Assert.True(doc.RootElement.TryGetProperty(ipKey, out _));
        Assert.False(env.Output.EndsWith('\n'));
    }

    [Fact]
    public void Unexpected_exception_becomes_code_999_with_one_line_and_no_stack_trace()
    {
        var plugin = new Mock<ICniPlugin>();
        plugin.Setup(p => p.Add(It.IsAny<CmdArgs>())).Throws(new InvalidOperationException("boom\nsecond line"));
        var env = FakeEnvironment.For("ADD", Conf);
        var exit = new PluginHost(plugin.Object, "about").Run(env);
        AssertError(env, exit, 999, "boom second line");
        Assert.Equal("", env.StderrWriter.ToString());

        env = FakeEnvironment.For("ADD", Conf);
        env[PluginHost.DebugVariable] = "1";
        new PluginHost(plugin.Object, "about").Run(env);
        Assert.Contains("InvalidOperationException", env.StderrWriter.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PluginHost.DebugVariable, "1")]
    [InlineData(PluginHost.LogLevelVariable, "error")]
    public void With_debug_or_a_log_level_each_error_is_logged_with_the_callers_trace_id(string variable, string value)
    {
        var plugin = new Mock<ICniPlugin>();
        plugin.Setup(p => p.Del(It.IsAny<CmdArgs>())).Throws(new CniException(11, "try again", "busy"));
        var env = FakeEnvironment.For("DEL", Conf);
        env["TRACEPARENT"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        new PluginHost(plugin.Object, "about").Run(env);
        Assert.Equal("", env.StderrWriter.ToString());

        env = FakeEnvironment.For("DEL", Conf);
        env["TRACEPARENT"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        env[variable] = value;
        new PluginHost(plugin.Object, "about").Run(env);
        Assert.Equal("error code=11 msg=\"try again\" trace_id=0af7651916cd43dd8448eb211c80319c parent_span_id=b7ad6b7169203331\n", env.StderrWriter.ToString());
    }

    [Fact]
    public void An_error_log_line_without_a_valid_traceparent_has_no_trace_id() =>
        Assert.Equal("error code=7 msg=\"bad\"", PluginHost.ErrorLogLine(new CniError { Code = 7, Msg = "bad" }, "garbage"));

    [Fact]
    public void Cni_exception_passes_through_unwrapped()
    {
        var plugin = new Mock<ICniPlugin>();
        plugin.Setup(p => p.Del(It.IsAny<CmdArgs>())).Throws(new CniException(11, "try again", "busy"));
        var env = FakeEnvironment.For("DEL", Conf);
        var exit = new PluginHost(plugin.Object, "about").Run(env);
        AssertError(env, exit, 11, "try again", "busy");
    }

    [Fact]
    public void Own_netns_is_refused_with_code_8_before_the_plugin_runs()
    {
        var identity = new Mock<INetnsIdentity>();
        identity.Setup(i => i.IsOwnNetns("/proc/self/ns/net")).Returns(true);
        var env = FakeEnvironment.For("ADD", Conf, netns: "/proc/self/ns/net");
        var (exit, _, plugin) = Run(env, identity.Object);
        AssertError(env, exit, 8, "plugin's netns and netns from CNI_NETNS should not be the same");
        plugin.VerifyNoOtherCalls();

        env = FakeEnvironment.For("ADD", Conf, netns: "/proc/self/ns/net");
        env["CNI_NETNS_OVERRIDE"] = "true";
        (exit, _, _) = Run(env, identity.Object);
        Assert.Equal(0, exit);
    }

    [Fact]
    public void Plugin_sees_validated_arguments()
    {
        CmdArgs? seen = null;
        var plugin = new Mock<ICniPlugin>();
        plugin.Setup(p => p.Del(It.IsAny<CmdArgs>())).Callback<CmdArgs>(a => seen = a);
        var env = FakeEnvironment.For("DEL", Conf);
        env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=x";
        Assert.Equal(0, new PluginHost(plugin.Object, "about").Run(env));
        Assert.NotNull(seen);
        Assert.Equal("c0ffee", seen.ContainerId);
        Assert.Equal("eth0", seen.IfName);
        Assert.Equal("1.1.0", seen.ConfigVersion);
        Assert.Equal("x", seen.ParsedArgs.Get("K8S_POD_NAME"));
        Assert.Equal("/opt/cni/bin", seen.Path);
    }
}
