using System.Text.Json;
using CniPlugins.Loopback;
using LibCni;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Loopback.Tests;

public class LoopbackPluginTests
{
    private static readonly LoopbackState Healthy = new(true, [CidrAddress.Parse("127.0.0.1/8"), CidrAddress.Parse("::1/128")], true);

    private static (int Exit, FakeEnvironment Env) Run(Mock<ILoopbackKernel> kernel, FakeEnvironment env) =>
        (new PluginHost(new LoopbackPlugin(kernel.Object), "about").Run(env), env);

    private static string Conf(string version, string extra = "") =>
        $$"""{"cniVersion":"{{version}}","name":"lo-net","type":"loopback"{{extra}}}""";

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_brings_lo_up_and_reports_it_in_every_version(string version)
    {
        var kernel = new Mock<ILoopbackKernel>();
        kernel.Setup(k => k.BringUp("/run/netns/c1")).Returns(Healthy);
        var (exit, env) = Run(kernel, FakeEnvironment.For("ADD", Conf(version), netns: "/run/netns/c1", ifName: "eth0"));
        Assert.Equal(0, exit);
        kernel.Verify(k => k.BringUp("/run/netns/c1"), Times.Once);
        using var doc = JsonDocument.Parse(env.Output);
        var root = doc.RootElement;
        Assert.Equal(version, root.GetProperty("cniVersion").GetString());
        if (SpecVersions.FamilyOf(version) == ResultFamily.V020)
        {
            Assert.Equal("127.0.0.1/8", root.GetProperty("ip4").GetProperty("ip").GetString());
            Assert.Equal("::1/128", root.GetProperty("ip6").GetProperty("ip").GetString());
        }
        else
        {
            var iface = Assert.Single(root.GetProperty("interfaces").EnumerateArray());
            Assert.Equal("lo", iface.GetProperty("name").GetString());
            Assert.Equal("00:00:00:00:00:00", iface.GetProperty("mac").GetString());
            Assert.Equal("/run/netns/c1", iface.GetProperty("sandbox").GetString());
            Assert.Equal(["127.0.0.1/8", "::1/128"], root.GetProperty("ips").EnumerateArray().Select(i => i.GetProperty("address").GetString()));
            Assert.All(root.GetProperty("ips").EnumerateArray(), i => Assert.Equal(0, i.GetProperty("interface").GetInt32()));
        }
    }

    [Fact]
    public void Add_without_ipv6_reports_only_ipv4()
    {
        var result = (Result100)LoopbackPlugin.BuildResult("/ns", new LoopbackState(true, [CidrAddress.Parse("127.0.0.1/8")], false), null);
        Assert.Equal("127.0.0.1/8", Assert.Single(result.Ips!).Address.ToString());
    }

    [Fact]
    public void Add_in_a_chain_passes_prev_result_through()
    {
        var kernel = new Mock<ILoopbackKernel>();
        kernel.Setup(k => k.BringUp(It.IsAny<string>())).Returns(Healthy);
        var prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/c1"}],"ips":[{"address":"10.0.0.5/24","interface":0}]}""";
        var (exit, env) = Run(kernel, FakeEnvironment.For("ADD", Conf("1.0.0", prev)));
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(env.Output);
        Assert.Equal("eth0", doc.RootElement.GetProperty("interfaces")[0].GetProperty("name").GetString());
        Assert.Equal("10.0.0.5/24", doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString());
        kernel.Verify(k => k.BringUp(It.IsAny<string>()), Times.Once);
    }

    [Fact]
    public void Add_refuses_a_non_loopback_address_on_lo()
    {
        var kernel = new Mock<ILoopbackKernel>();
        kernel.Setup(k => k.BringUp(It.IsAny<string>())).Returns(new LoopbackState(true, [CidrAddress.Parse("10.0.0.1/8")], true));
        var (exit, env) = Run(kernel, FakeEnvironment.For("ADD", Conf("1.1.0")));
        Assert.Equal(1, exit);
        using var doc = JsonDocument.Parse(env.Output);
        Assert.Equal("loopback interface found with non-loopback address \"10.0.0.1\"", doc.RootElement.GetProperty("msg").GetString());
    }

    [Fact]
    public void Del_succeeds_when_the_netns_is_gone()
    {
        var kernel = new Mock<ILoopbackKernel>();
        kernel.Setup(k => k.BringDown(It.IsAny<string>())).Throws(new NetnsNotFoundException("/run/netns/gone"));
        var (exit, env) = Run(kernel, FakeEnvironment.For("DEL", Conf("1.1.0"), netns: "/run/netns/gone"));
        Assert.Equal(0, exit);
        Assert.Equal("", env.Output);
    }

    [Fact]
    public void Del_without_netns_touches_nothing()
    {
        var kernel = new Mock<ILoopbackKernel>(MockBehavior.Strict);
        var env = FakeEnvironment.For("DEL", Conf("1.1.0"));
        env["CNI_NETNS"] = "";
        var (exit, _) = Run(kernel, env);
        Assert.Equal(0, exit);
    }

    [Fact]
    public void Check_fails_when_lo_is_down_or_missing_an_address()
    {
        var e = Assert.Throws<CniException>(() => LoopbackPlugin.VerifyState(Healthy with { Up = false }, null));
        Assert.Equal("loopback interface is down", e.Message);

        e = Assert.Throws<CniException>(() => LoopbackPlugin.VerifyState(Healthy with { Addresses = [CidrAddress.Parse("127.0.0.1/8")] }, null));
        Assert.Equal("loopback interface is missing address ::1/128", e.Message);

        LoopbackPlugin.VerifyState(Healthy with { Addresses = [CidrAddress.Parse("127.0.0.1/8")], Ipv6Enabled = false }, null);
    }

    [Fact]
    public void Check_verifies_addresses_prev_result_puts_on_lo()
    {
        var prev = new Result100
        {
            Interfaces = [new Interface100 { Name = "lo" }],
            Ips = [new IpConfig100 { Interface = 0, Address = CidrAddress.Parse("127.0.0.2/8") }],
        };
        Assert.Throws<CniException>(() => LoopbackPlugin.VerifyState(Healthy, prev));
    }

    [Fact]
    public void Gc_and_status_succeed_silently()
    {
        var kernel = new Mock<ILoopbackKernel>(MockBehavior.Strict);
        foreach (var verb in new[] { "GC", "STATUS" })
        {
            var (exit, env) = Run(kernel, new FakeEnvironment(Conf("1.1.0"), ("CNI_COMMAND", verb), ("CNI_PATH", "/opt/cni/bin")));
            Assert.Equal(0, exit);
            Assert.Equal("", env.Output);
        }
    }
}
