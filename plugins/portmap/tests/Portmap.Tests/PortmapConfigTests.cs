using System.Text;
using CniPlugins.Portmap;
using LibCni.Types;
using Xunit;

namespace Portmap.Tests;

public class PortmapConfigTests
{
    public const string Prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/c"}],"ips":[{"address":"10.1.0.5/24","interface":2},{"address":"fd00::5/64","interface":2}]}""";

    public static PortmapConfig Parse(string extra, string ifName = "eth0") =>
        PortmapConfig.Parse(Encoding.UTF8.GetBytes($$"""{"cniVersion":"1.0.0","name":"net1","type":"portmap"{{extra}}}"""), ifName, "1.0.0");

    private static CniException Fails(string extra) => Assert.Throws<CniException>(() => Parse(extra));

    [Fact]
    public void Defaults()
    {
        var c = Parse("");
        Assert.True(c.Snat);
        Assert.False(c.MasqAll);
        Assert.Equal(13, c.MarkMasqBit);
        Assert.Equal(0x2000u, c.MasqMark);
        Assert.Null(c.Backend);
        Assert.False(c.MappingsGiven);
        Assert.Null(c.PrevResult);
    }

    [Fact]
    public void Mappings_and_container_addresses_are_read()
    {
        var c = Parse(""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"TCP"},{"hostPort":53,"containerPort":53,"protocol":"udp","hostIP":"192.0.2.1"}]}""" + Prev);
        Assert.Equal(2, c.Mappings.Count);
        Assert.Equal("tcp", c.Mappings[0].Protocol);
        Assert.True(c.Mappings[1].AppliesTo(true));
        Assert.False(c.Mappings[1].AppliesTo(false));
        Assert.Equal("10.1.0.5/24", c.ContainerV4.ToString());
        Assert.Equal("fd00::5/64", c.ContainerV6.ToString());
    }

    [Fact]
    public void Unspecified_host_ip_matches_any_address_of_its_family_only()
    {
        var m = Parse(""","runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1,"hostIP":"0.0.0.0"}]}""").Mappings[0];
        Assert.True(m.AppliesTo(true));
        Assert.False(m.AppliesTo(false));
        Assert.Null(m.Destination);
    }

    [Fact]
    public void Addresses_of_other_interfaces_are_ignored()
    {
        var c = Parse(Prev, ifName: "eth1");
        Assert.Null(c.ContainerV4);
        Assert.Null(c.ContainerV6);
    }

    [Theory]
    [InlineData(""","runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":80}]}""", "Invalid host port number: 0")]
    [InlineData(""","runtimeConfig":{"portMappings":[{"hostPort":70000,"containerPort":80}]}""", "Invalid host port number: 70000")]
    [InlineData(""","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":-1}]}""", "Invalid container port number: -1")]
    [InlineData(""","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"icmp"}]}""", "Invalid protocol \"icmp\"")]
    [InlineData(""","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"hostIP":"banana"}]}""", "Invalid host IP \"banana\"")]
    [InlineData(""","markMasqBit":32""", "MasqMarkBit must be between 0 and 31")]
    [InlineData(",\"markMasqBit\":3,\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"", "Cannot specify externalSetMarkChain and markMasqBit")]
    [InlineData(",\"backend\":\"pf\"", "unrecognized backend \"pf\"")]
    [InlineData(""","backend":"nftables","markMasqBit":3""", "nftables backend was requested but configuration contains iptables-specific options [markMasqBit]")]
    [InlineData(""","backend":"iptables","conditionsV4":["ip","saddr","10.0.0.0/8"]""", "iptables backend was requested but configuration contains nftables-specific options [conditionsV4/conditionsV6 in nftables syntax]")]
    public void Invalid_configs_are_rejected(string extra, string message) => Assert.Equal(message, Fails(extra).Message);

    [Fact]
    public void Iptables_options_choose_the_iptables_backend()
    {
        Assert.Equal(PortmapBackend.IpTables, Parse(",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"").Backend);
        Assert.Equal(PortmapBackend.IpTables, Parse(""","conditionsV4":["-s","10.0.0.0/8"]""").Backend);
        Assert.Equal(PortmapBackend.NfTables, Parse(""","conditionsV4":["ip","saddr","10.0.0.0/8"]""").Backend);
    }
}
