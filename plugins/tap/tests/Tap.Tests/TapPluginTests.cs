using System.Text.Json;
using CniPlugins.Tap;
using LibCni.Interfaces;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Tap.Tests;

public sealed class FakeTapKernel(FakeContainerInterfaces links) : ITapKernel
{
    public TapConfig? Made { get; private set; }

    public LinkRef CreateTap(string netns, string ifName, TapConfig config)
    {
        links.Step($"CreateTap {ifName}");
        Made = config;
        return new LinkRef(ifName, 4, config.Mac is null ? "02:00:00:00:00:04" : LibCni.Netlink.Route.LinkInfo.FormatMac(config.Mac));
    }
}

public class TapPluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";
    private readonly FakeContainerInterfaces _links = new();
    private readonly FakeTapKernel _kernel;
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public TapPluginTests()
    {
        _kernel = new FakeTapKernel(_links);
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.73.0.5/24") }],
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string? cniArgs = null) =>
        FakeRun.Run(new TapPlugin(_links, _kernel, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"t","type":"tap"{{extra}}}""", cniArgs: cniArgs);

    [Fact]
    public void Add_makes_the_tap_with_every_key_and_addresses_it()
    {
        var (exit, output) = Run("ADD", ""","multiQueue":true,"mtu":1400,"mac":"0a:58:00:00:00:07","owner":1000,"group":100,"bridge":"br0","dns":{"nameservers":["1.1.1.1"]}""" + Ipam);
        Assert.Equal(0, exit);
        Assert.Equal(["CreateTap eth0", "Configure eth0"], _links.Calls);
        var made = _kernel.Made!;
        Assert.Equal((true, 1400, 1000u, 100u, "br0", true), (made.MultiQueue, made.Mtu, made.Owner!.Value, made.Group!.Value, made.Bridge, made.VnetHeader));
        Assert.Equal("0a:58:00:00:00:07", output.GetProperty("interfaces")[0].GetProperty("mac").GetString());
        Assert.Equal("1.1.1.1", output.GetProperty("dns").GetProperty("nameservers")[0].GetString());
    }

    [Fact]
    public void Without_owner_and_group_there_is_no_vnet_header_as_with_the_references_ip_path()
    {
        Assert.Equal(0, Run("ADD", ""","owner":1000""").Exit);
        Assert.False(_kernel.Made!.VnetHeader);
        Assert.Equal(["CreateTap eth0"], _links.Calls);
    }

    [Theory]
    [InlineData(",\"args\":[1]", 6, "args")]
    [InlineData(",\"mac\":\"nope\"", 7, "invalid args nope for MAC addr")]
    [InlineData(",\"owner\":-1", 6, "owner")]
    [InlineData(",\"mtu\":-5", 7, "invalid MTU -5")]
    public void Bad_config_is_refused_before_anything_is_made(string extra, int code, string message)
    {
        var (exit, output) = Run("ADD", extra);
        Assert.Equal(1, exit);
        Assert.Equal(code, output.GetProperty("code").GetInt32());
        Assert.Contains(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void Mac_precedence_and_strict_cni_args()
    {
        Run("ADD", ""","mac":"0a:58:00:00:00:01","runtimeConfig":{"mac":"0a:58:00:00:00:03"}""", "MAC=0a:58:00:00:00:02");
        Assert.Equal("0A5800000003", Convert.ToHexString(_kernel.Made!.Mac!));
        Assert.Equal(1, Run("ADD", "", "FOO=1").Exit);
        Assert.Equal(1, Run("DEL", "", "FOO=1").Exit);
        Assert.Equal(0, Run("DEL", "", "IgnoreUnknown=1;FOO=1").Exit);
    }

    [Fact]
    public void A_failed_configure_deletes_the_tap_and_releases_the_address()
    {
        _links.FailOn = "Configure";
        Assert.Equal(1, Run("ADD", Ipam).Exit);
        Assert.Equal(["CreateTap eth0", "Configure eth0", "DeleteLink eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }
}
