using System.Text.Json;
using CniPlugins.Bandwidth;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Bandwidth.Tests;

/// <summary>
/// The published binary and the reference (/usr/lib/cni/bandwidth, Debian's Go build) side by side on real veths,
/// the kernel's state read back with tc -j and ip -j. The plugins run in the test's own (private) netns.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class BandwidthBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni/bandwidth";
    private const string Limits = ""","ingressRate":8000000,"ingressBurst":800000,"egressRate":4000000,"egressBurst":400000""";

    private readonly BinaryHost _bin = new("cni-bandwidth-bin", hostPrefix: null);
    private readonly List<string> _hostLinks = [];

    public void Dispose()
    {
        foreach (var link in _hostLinks)
        {
            Shell.Run("ip", ["link", "del", link], null, null, check: false);
        }

        _bin.Dispose();
    }

    /// <summary>A container netns with eth0, whose veth peer sits here under a fresh name.</summary>
    private (TestNetns Ctr, string HostVeth, string ContainerId) Attachment()
    {
        var ctr = _bin.Container("cnibw");
        var id = Guid.NewGuid().ToString("N")[..12];
        var hostVeth = "bwv" + id[..8];
        Shell.Run("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ctr.Name);
        Shell.Run("ip", "link", "set", hostVeth, "up");
        _hostLinks.Add(hostVeth);
        return (ctr, hostVeth, id);
    }

    private static string Conf(TestNetns ctr, string hostVeth, string limits = Limits) =>
        $$$"""{"cniVersion":"1.0.0","name":"bwnet","type":"bandwidth"{{{limits}}},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"{{{hostVeth}}}"},{"name":"eth0","sandbox":"{{{ctr.Path}}}"}],"ips":[{"address":"10.9.0.5/24","interface":1}]}}""";

    private ProcessResult Run(string binary, string command, TestNetns ctr, string hostVeth, string id, string limits = Limits) =>
        Shell.Exec(binary, [], Conf(ctr, hostVeth, limits), Environment(command, id, ctr.Path), clearEnvironment: true);

    private static string Ours => Repo.Binary("bandwidth");

    private static JsonElement Tbf(string dev)
    {
        var qdiscs = JsonDocument.Parse(Shell.Run("tc", "-j", "qdisc", "show", "dev", dev)).RootElement;
        return qdiscs.EnumerateArray().Single(q => q.GetProperty("kind").GetString() == "tbf").GetProperty("options").Clone();
    }

    private static bool LinkExists(string name) => Shell.Run("ip", ["-j", "link", "show", name], null, null, check: false).ExitCode == 0;

    [Fact]
    public void Our_qdiscs_equal_the_references_and_each_checks_the_others()
    {
        var ours = Attachment();
        var theirs = Attachment();
        Ok(Run(Ours, "ADD", ours.Ctr, ours.HostVeth, ours.ContainerId));
        Ok(Run(Reference, "ADD", theirs.Ctr, theirs.HostVeth, theirs.ContainerId));

        Assert.Equal(Tbf(theirs.HostVeth).GetRawText(), Tbf(ours.HostVeth).GetRawText());
        var ourIfb = BandwidthPlugin.IfbName("bwnet", ours.ContainerId);
        var theirIfb = BandwidthPlugin.IfbName("bwnet", theirs.ContainerId);
        Assert.True(LinkExists(theirIfb), "the reference's ifb is named as we name it");
        Assert.Equal(Tbf(theirIfb).GetRawText(), Tbf(ourIfb).GetRawText());
        Assert.Equal(1000000, Tbf(ours.HostVeth).GetProperty("rate").GetInt64());
        var ifbLink = JsonDocument.Parse(Shell.Run("ip", "-j", "-d", "link", "show", ourIfb)).RootElement[0];
        Assert.Equal("ifb", ifbLink.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.False(ifbLink.TryGetProperty("txqlen", out var txqlen) && txqlen.GetInt32() != 0, "ip prints no txqlen when it is 0"); // as the reference's
        Assert.Equal(1500, ifbLink.GetProperty("mtu").GetInt32());
        var filters = Shell.Run("tc", "-j", "filter", "show", "dev", ours.HostVeth, "ingress");
        Assert.Contains($"\"to_dev\":\"{ourIfb}\"", filters, StringComparison.Ordinal);

        Ok(Run(Ours, "CHECK", theirs.Ctr, theirs.HostVeth, theirs.ContainerId));
        Ok(Run(Reference, "CHECK", ours.Ctr, ours.HostVeth, ours.ContainerId));
        var other = ""","ingressRate":8000008,"ingressBurst":800000,"egressRate":4000000,"egressBurst":400000""";
        var bad = Run(Ours, "CHECK", ours.Ctr, ours.HostVeth, ours.ContainerId, other);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Rate doesn't match", bad.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_del_cleans_a_reference_add_and_the_references_cleans_ours()
    {
        var a = Attachment();
        Ok(Run(Reference, "ADD", a.Ctr, a.HostVeth, a.ContainerId));
        Ok(Run(Ours, "DEL", a.Ctr, a.HostVeth, a.ContainerId));
        Assert.False(LinkExists(BandwidthPlugin.IfbName("bwnet", a.ContainerId)));
        Assert.DoesNotContain("tbf", Shell.Run("tc", "qdisc", "show", "dev", a.HostVeth), StringComparison.Ordinal);
        Ok(Run(Ours, "DEL", a.Ctr, a.HostVeth, a.ContainerId));

        var b = Attachment();
        Ok(Run(Ours, "ADD", b.Ctr, b.HostVeth, b.ContainerId));
        Ok(Run(Reference, "DEL", b.Ctr, b.HostVeth, b.ContainerId));
        Assert.False(LinkExists(BandwidthPlugin.IfbName("bwnet", b.ContainerId)));
    }

    [Fact]
    public void A_failed_add_leaves_nothing_behind()
    {
        var a = Attachment();
        // An ifb already holding the name makes the egress half fail after the ingress TBF was made.
        var ifb = BandwidthPlugin.IfbName("bwnet", a.ContainerId);
        Shell.Run("ip", "link", "add", ifb, "type", "ifb");
        _hostLinks.Add(ifb);
        var add = Run(Ours, "ADD", a.Ctr, a.HostVeth, a.ContainerId);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("adding link: ", add.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("tbf", Shell.Run("tc", "qdisc", "show", "dev", a.HostVeth), StringComparison.Ordinal);
    }

    [Fact]
    public void Add_execs_nothing()
    {
        var a = Attachment();
        var (result, programs) = _bin.ExecTraced("bandwidth", Conf(a.Ctr, a.HostVeth), Environment("ADD", a.ContainerId, a.Ctr.Path));
        Ok(result);
        Assert.Single(programs);
    }

    [Fact]
    public void Gc_removes_our_stale_ifb_and_keeps_the_valid_one_and_the_references()
    {
        var stale = Attachment();
        var valid = Attachment();
        var theirs = Attachment();
        Ok(Run(Ours, "ADD", stale.Ctr, stale.HostVeth, stale.ContainerId));
        Ok(Run(Ours, "ADD", valid.Ctr, valid.HostVeth, valid.ContainerId));
        Ok(Run(Reference, "ADD", theirs.Ctr, theirs.HostVeth, theirs.ContainerId));
        var staleIfb = BandwidthPlugin.IfbName("bwnet", stale.ContainerId);
        var ifbLink = JsonDocument.Parse(Shell.Run("ip", "-j", "-d", "link", "show", staleIfb)).RootElement[0];
        Assert.Equal("cni-bandwidth:bwnet", ifbLink.GetProperty("ifalias").GetString());

        var gc = $$$"""{"cniVersion":"1.1.0","name":"bwnet","type":"bandwidth","cni.dev/valid-attachments":[{"containerID":"{{{valid.ContainerId}}}","ifname":"eth0"}]}""";
        var env = Environment("GC", "", "");
        env.Remove("CNI_CONTAINERID");
        env.Remove("CNI_NETNS");
        env.Remove("CNI_IFNAME");
        Ok(Shell.Exec(Ours, [], gc, env, clearEnvironment: true));
        Assert.False(LinkExists(staleIfb), "GC removes the ifb of an attachment that is no longer valid");
        Assert.True(LinkExists(BandwidthPlugin.IfbName("bwnet", valid.ContainerId)));
        Assert.True(LinkExists(BandwidthPlugin.IfbName("bwnet", theirs.ContainerId)), "an unmarked (reference-made) ifb may be another network's: kept");
        Ok(Run(Reference, "DEL", theirs.Ctr, theirs.HostVeth, theirs.ContainerId));
    }
}
