using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Vrf.Tests;

/// <summary>
/// The published vrf, and the reference's from /usr/lib/cni, on a kernel with VRF (the second-kernel tier):
/// containers whose eth0 and net1 reach a peer namespace, state read back with <c>ip -j -d</c>, traffic by
/// <c>ping -I</c> through the VRF.
/// </summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class VrfBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private readonly BinaryHost _bin = new("cni-vrf", hostPrefix: null);
    private readonly TestNetns _peer;

    public VrfBinaryTests() => _peer = _bin.Container("cnivrfp");

    public void Dispose() => _bin.Dispose();

    /// <summary>A container whose <paramref name="ifName"/> is wired to the peer on 10.n.0.0/24 and fd0n::/64, with an IPAM-style route.</summary>
    private TestNetns Wire(TestNetns? ctr, string ifName, int n)
    {
        ctr ??= _bin.Container("cnivrfc");
        var peerEnd = $"p{n}{ifName}";
        Shell.Run("ip", "-n", ctr.Name, "link", "add", ifName, "type", "veth", "peer", "name", peerEnd, "netns", _peer.Name);
        ctr.Ip("addr", "add", $"10.{n}.0.2/24", "dev", ifName);
        ctr.Ip("addr", "add", $"fd0{n}::2/64", "dev", ifName, "nodad");
        ctr.Ip("link", "set", ifName, "up");
        ctr.Ip("route", "add", $"10.{n}0.0.0/16", "via", $"10.{n}.0.1", "dev", ifName);
        _peer.Ip("addr", "add", $"10.{n}.0.1/24", "dev", peerEnd);
        _peer.Ip("link", "set", peerEnd, "up");
        return ctr;
    }

    private static string Conf(TestNetns ctr, string ifName, int n, string vrf = "blue", string extra = "") =>
        $$$"""{"cniVersion":"1.0.0","name":"vrfnet","type":"vrf","vrfname":"{{{vrf}}}"{{{extra}}},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"{{{ifName}}}","sandbox":"{{{ctr.Path}}}"}],"ips":[{"address":"10.{{{n}}}.0.2/24","gateway":"10.{{{n}}}.0.1","interface":0}]}}""";

    private ProcessResult Exec(string command, TestNetns ctr, string ifName, string conf, string? binDir = null) =>
        _bin.ExecFrom(binDir ?? Repo.BinDir, "vrf", conf, Environment(command, "ctr-vrf", ctr.Path, ifName));

    private static JsonNode? Link(TestNetns ctr, string name) =>
        JsonNode.Parse(Shell.Exec("ip", ["-n", ctr.Name, "-j", "-d", "link", "show", name], null, null) is { ExitCode: 0 } r ? r.Stdout : "[null]")![0];

    [KernelFact(KernelFeature.Vrf)]
    public void Add_puts_eth0_in_a_new_vrf_with_its_routes_and_ipv6_and_del_removes_the_vrf()
    {
        var ctr = Wire(null, "eth0", 1);
        Ok(Exec("ADD", ctr, "eth0", Conf(ctr, "eth0", 1)));

        var vrf = Link(ctr, "blue")!;
        Assert.Equal("vrf", vrf["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Equal(1, vrf["linkinfo"]!["info_data"]!["table"]!.GetValue<int>());
        Assert.Contains("UP", vrf["flags"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("blue", Link(ctr, "eth0")!["master"]!.GetValue<string>());
        var table = ctr.Ip("route", "show", "vrf", "blue");
        Assert.Contains("10.10.0.0/16 via 10.1.0.1 dev eth0", table, StringComparison.Ordinal);
        Assert.Contains("10.1.0.0/24 dev eth0", table, StringComparison.Ordinal);
        Assert.DoesNotContain("eth0", ctr.Ip("route", "show", "table", "main"), StringComparison.Ordinal);
        Assert.Contains("fd01::2/64", ctr.Ip("-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Shell.Run("ip", "netns", "exec", ctr.Name, "ping", "-c1", "-W2", "-I", "blue", "10.1.0.1");
        Ok(Exec("CHECK", ctr, "eth0", Conf(ctr, "eth0", 1)));

        Ok(Exec("DEL", ctr, "eth0", Conf(ctr, "eth0", 1)));
        Assert.Null(Link(ctr, "blue"));
        Assert.Null(Link(ctr, "eth0")!["master"]);
        Ok(Exec("DEL", ctr, "eth0", Conf(ctr, "eth0", 1)));
        var check = Exec("CHECK", ctr, "eth0", Conf(ctr, "eth0", 1));
        Assert.Equal(1, check.ExitCode);
    }

    [KernelFact(KernelFeature.Vrf)]
    public void Two_interfaces_share_a_vrf_a_second_vrf_takes_table_2_and_the_vrf_goes_with_its_last_interface()
    {
        var ctr = Wire(null, "eth0", 2);
        Wire(ctr, "net1", 3);
        Wire(ctr, "net2", 4);
        Ok(Exec("ADD", ctr, "eth0", Conf(ctr, "eth0", 2)));
        Ok(Exec("ADD", ctr, "net1", Conf(ctr, "net1", 3)));
        Ok(Exec("ADD", ctr, "net2", Conf(ctr, "net2", 4, vrf: "red")));
        Assert.Equal(2, Link(ctr, "red")!["linkinfo"]!["info_data"]!["table"]!.GetValue<int>());
        Assert.Equal("blue", Link(ctr, "net1")!["master"]!.GetValue<string>());

        var refused = Exec("ADD", ctr, "net2", Conf(ctr, "net2", 4, vrf: "blue", extra: ""","table":99"""));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("VRF blue already exist with different routing table 1", refused.Stdout, StringComparison.Ordinal);

        Ok(Exec("DEL", ctr, "eth0", Conf(ctr, "eth0", 2)));
        Assert.NotNull(Link(ctr, "blue"));
        Ok(Exec("DEL", ctr, "net1", Conf(ctr, "net1", 3)));
        Assert.Null(Link(ctr, "blue"));
        Assert.NotNull(Link(ctr, "red"));
    }

    [KernelFact(KernelFeature.Vrf)]
    public void Each_implementation_deletes_what_the_other_made()
    {
        var ours = Wire(null, "eth0", 5);
        var theirs = Wire(null, "eth0", 6);
        Ok(Exec("ADD", ours, "eth0", Conf(ours, "eth0", 5)));
        Ok(Exec("ADD", theirs, "eth0", Conf(theirs, "eth0", 6), Reference));
        Assert.Equal(Link(ours, "blue")!["linkinfo"]!["info_data"]!.ToJsonString(), Link(theirs, "blue")!["linkinfo"]!["info_data"]!.ToJsonString());
        Ok(Exec("CHECK", ours, "eth0", Conf(ours, "eth0", 5), Reference));
        Ok(Exec("CHECK", theirs, "eth0", Conf(theirs, "eth0", 6)));

        Ok(Exec("DEL", ours, "eth0", Conf(ours, "eth0", 5), Reference));
        Ok(Exec("DEL", theirs, "eth0", Conf(theirs, "eth0", 6)));
        Assert.Null(Link(ours, "blue"));
        Assert.Null(Link(theirs, "blue"));
    }

    [KernelFact(KernelFeature.Vrf)]
    public void A_failed_add_leaves_no_vrf_and_the_interface_as_it_was()
    {
        var ctr = Wire(null, "eth0", 7);
        ctr.Ip("link", "add", "br0", "type", "bridge");
        ctr.Ip("link", "set", "eth0", "master", "br0");
        var add = Exec("ADD", ctr, "eth0", Conf(ctr, "eth0", 7));
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("interface eth0 has already a master set: br0", add.Stdout, StringComparison.Ordinal);
        Assert.Null(Link(ctr, "blue"));
    }
}
