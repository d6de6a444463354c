using System.Text.Json;
using CniPlugins.Bridge;
using LibCni.Netfilter;
using LibCni.Netfilter.Masquerade;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace Bridge.Tests;

/// <summary>
/// When ADD pins the bridge's MAC, and with what (issue 30), against the fake kernel, which hands an unpinned bridge
/// its lowest port's MAC as the real one does. Bridge 02:..:10, host veth 02:..:11, a VLAN gateway's peer 02:..:13.
/// </summary>
public class BridgeMacTests
{
    private const string Ipam = ""","ipam":{"type":"host-local","subnet":"10.1.0.0/24"}""";
    private const string BridgeOwnMac = "02:00:00:00:00:10";
    private const string HostVethMac = "02:00:00:00:00:11";

    private readonly FakeBridgeKernel _kernel = new();
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public BridgeMacTests()
    {
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.1.0.2/24"), Gateway = IpText.Parse("10.1.0.1") }],
        });
    }

    private JsonElement Add(string extra)
    {
        var env = FakeEnvironment.For("ADD", $$"""{"cniVersion":"1.0.0","name":"net1","type":"bridge","bridge":"br9"{{extra}}}""");
        var plugin = new BridgePlugin(_kernel, _kernel.Links, _ipam.Object, new Masquerading(_ => Mock.Of<IMasquerade>()), Mock.Of<ISpoofCheck>());
        var exit = new PluginHost(plugin, "about").Run(env);
        Assert.True(exit == 0, env.Output + env.StderrWriter);
        return JsonDocument.Parse(env.Output).RootElement.Clone();
    }

    private int IndexOf(string prefix) => _kernel.Calls.FindIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));

    private static string BridgeMacIn(JsonElement result) => result.GetProperty("interfaces")[0].GetProperty("mac").GetString()!;

    [Theory]
    [InlineData(""","isGateway":true""")]
    [InlineData(""","isDefaultGateway":true""")]
    public void Gateway_bridge_is_pinned_before_our_port_joins_and_never_takes_its_mac(string gateway)
    {
        var result = Add(Ipam + gateway);
        var ensure = IndexOf("EnsureBridge br9");
        Assert.EndsWith("pinMac=True", _kernel.Calls[ensure], StringComparison.Ordinal);
        Assert.True(ensure < IndexOf("AttachPort vethfake01 br9"), string.Join("\n", _kernel.Calls));
        Assert.All(_kernel.BridgeMacs, mac => Assert.Equal(BridgeOwnMac, mac));
        Assert.Equal(("br9", BridgeOwnMac), _kernel.MacPins[^1]);
        Assert.Equal(BridgeOwnMac, BridgeMacIn(result));
    }

    [Fact]
    public void Existing_bridge_is_pinned_to_the_mac_it_has_with_the_ports_it_already_has()
    {
        // A port of another tool, above our veth's MAC: unpinned, the bridge would take our veth's on attach.
        _kernel.BridgePorts.Add("02:00:00:00:00:20");
        _kernel.BridgeMac = "02:00:00:00:00:20";
        var result = Add(Ipam + ""","isGateway":true""");
        Assert.Equal("02:00:00:00:00:20", BridgeMacIn(result));
        Assert.DoesNotContain(HostVethMac, _kernel.BridgeMacs);
        Assert.All(_kernel.MacPins, pin => Assert.Equal(("br9", "02:00:00:00:00:20"), pin));
    }

    /// <summary>The reference pins only the link it puts a gateway address on: without one the bridge follows its ports.</summary>
    [Theory]
    [InlineData("")]
    [InlineData(Ipam)]
    public void Bridge_without_a_gateway_address_is_not_pinned_and_the_result_says_what_it_became(string ipam)
    {
        var result = Add(ipam);
        Assert.EndsWith("pinMac=False", _kernel.Calls[IndexOf("EnsureBridge br9")], StringComparison.Ordinal);
        Assert.Empty(_kernel.MacPins);
        Assert.Equal(HostVethMac, _kernel.BridgeMac);
        Assert.Equal(HostVethMac, BridgeMacIn(result));
    }

    [Fact]
    public void Vlan_gateway_pins_the_vlan_link_to_its_own_mac_and_leaves_the_bridge_as_the_reference_does()
    {
        var result = Add(Ipam + ""","isGateway":true,"vlan":100""");
        Assert.EndsWith("pinMac=False", _kernel.Calls[IndexOf("EnsureBridge br9")], StringComparison.Ordinal);
        Assert.Equal([("br9.100", "02:00:00:00:00:12")], _kernel.MacPins);
        Assert.Equal(HostVethMac, BridgeMacIn(result));
        var vlanLink = result.GetProperty("interfaces").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "br9.100");
        Assert.Equal("02:00:00:00:00:12", vlanLink.GetProperty("mac").GetString());
    }
}
