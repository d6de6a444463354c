using System.Net;
using System.Text;
using CniPlugins.Dhcp.Rpc;
using LibCni.Types;
using Xunit;
using Dns = LibCni.Types.Dns;

namespace Dhcp.Tests;

/// <summary>The values the Go capture program used (see <see cref="GoGolden"/>), in our types.</summary>
internal static class RpcSamples
{
    public static readonly AllocateArgs Args = new("ctr1", "/var/run/netns/x", "eth0", "IgnoreUnknown=1", "/opt/cni/bin",
        Encoding.UTF8.GetBytes("""{"name":"n","ipam":{"type":"dhcp"}}"""));

    /// <summary>sampleResult() of the capture program.</summary>
    public static Result100 Result() => new()
    {
        CniVersion = "",
        Interfaces = [new Interface100 { Name = "eth0", Mac = "0a:58:0a:01:02:03", Mtu = 1500, Sandbox = "/var/run/netns/x" }],
        Ips =
        [
            new IpConfig100 { Interface = 2, Address = CidrAddress.Parse("10.1.2.3/24"), Gateway = IPAddress.Parse("10.1.2.1") },
            new IpConfig100 { Address = CidrAddress.Parse("fd00::5/64") },
        ],
        Routes =
        [
            new Route { Dst = CidrAddress.Parse("0.0.0.0/0"), Gw = IPAddress.Parse("10.1.2.1"), Priority = 10 },
            new Route { Dst = CidrAddress.Parse("192.168.7.0/24"), Mtu = 1400, AdvMss = 1360, Table = 100, Scope = 253 },
        ],
        Dns = new Dns { Nameservers = ["10.1.2.53"], Domain = "example.com", Search = ["a.example", "b.example"], Options = ["ndots:2"] },
    };

    public static void AssertArgs(AllocateArgs expected, AllocateArgs actual)
    {
        Assert.Equal(expected with { StdinData = Array.Empty<byte>() }, actual with { StdinData = Array.Empty<byte>() });
        Assert.Equal(Encoding.UTF8.GetString(expected.StdinData), Encoding.UTF8.GetString(actual.StdinData));
    }
}
