using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Vlan.Tests;

/// <summary>
/// The published vlan and the reference's on a kernel with 8021q (the second-kernel tier). The master is one end of a
/// veth pair; the far end carries the same VLAN in the host, so tagged traffic has somewhere to go.
/// </summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class VlanBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private const string Master = "cnivlm0";
    private const string Peer = "cnivlp0";
    private readonly BinaryHost _bin = new("cni-vlan");
    private readonly int _masterIndex;

    public VlanBinaryTests() => _masterIndex = KernelFeature.Has(KernelFeature.Vlan) ? _bin.AddMaster(Master, Peer) : 0;

    public void Dispose() => _bin.Dispose();

    private string Conf(int id, string subnet, string extra = "") =>
        $$$"""{"cniVersion":"1.0.0","name":"vlannet","type":"vlan","master":"{{{Master}}}","vlanId":{{{id}}}{{{extra}}},"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]]}}""";

    private ProcessResult Exec(string command, string conf, TestNetns ctr, string id, string binDir = "") =>
        _bin.ExecFrom(binDir.Length > 0 ? binDir : Repo.BinDir, "vlan", conf, Environment(command, id, ctr.Path, cniPath: binDir.Length > 0 ? binDir : Repo.BinDir));

    [KernelFact(KernelFeature.Vlan)]
    public void Tagged_traffic_reaches_the_same_vlan_on_the_far_end_and_del_leaves_nothing()
    {
        _bin.Host!.Ip("link", "add", "link", Peer, "name", "far.42", "type", "vlan", "id", "42");
        _bin.Host.Ip("addr", "add", "10.71.0.254/24", "dev", "far.42");
        _bin.Host.Ip("link", "set", "far.42", "up");
        var ctr = _bin.Container();
        var conf = Conf(42, "10.71.0.0/24", ",\"mtu\":1400");
        var add = Exec("ADD", conf, ctr, "ctr-v");
        Ok(add);
        var link = LinkDetails(ctr);
        Assert.Equal("vlan", link["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Equal(42, link["linkinfo"]!["info_data"]!["id"]!.GetValue<int>());
        Assert.Equal("802.1Q", link["linkinfo"]!["info_data"]!["protocol"]!.GetValue<string>());
        Assert.Equal(1400, link["mtu"]!.GetValue<int>());
        Assert.Equal(_masterIndex, link["link_index"]!.GetValue<int>());
        Shell.Run("ip", "netns", "exec", ctr.Name, "ping", "-c1", "-W2", "10.71.0.254");
        Ok(Exec("CHECK", WithPrevResult(conf, add.Stdout), ctr, "ctr-v"));

        Ok(Exec("DEL", conf, ctr, "ctr-v"));
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Ok(Exec("DEL", conf, ctr, "ctr-v"));
    }

    [KernelFact(KernelFeature.Vlan)]
    public void Ours_and_the_references_make_the_same_link_and_each_checks_and_deletes_the_others()
    {
        var theirs = _bin.Container();
        var ours = _bin.Container();
        var refConf = Conf(100, "10.71.1.0/24", ",\"mtu\":1450");
        var conf = Conf(101, "10.71.1.0/24", ",\"mtu\":1450");
        var refAdd = Exec("ADD", refConf, theirs, "ctr-ref", Reference);
        Ok(refAdd);
        var add = Exec("ADD", conf, ours, "ctr-ours");
        Ok(add);
        var (expected, actual) = (LinkDetails(theirs)["linkinfo"]!["info_data"]!, LinkDetails(ours)["linkinfo"]!["info_data"]!);
        Assert.Equal(100, expected["id"]!.GetValue<int>());
        Assert.Equal(101, actual["id"]!.GetValue<int>());
        expected["id"] = 0;
        actual["id"] = 0;
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
        Assert.Equal(LinkDetails(theirs)["mtu"]!.GetValue<int>(), LinkDetails(ours)["mtu"]!.GetValue<int>());

        Ok(Exec("CHECK", WithPrevResult(refConf, refAdd.Stdout), theirs, "ctr-ref"));
        Ok(Exec("CHECK", WithPrevResult(conf, add.Stdout), ours, "ctr-ours", Reference));
        Ok(Exec("DEL", refConf, theirs, "ctr-ref"));
        Ok(Exec("DEL", conf, ours, "ctr-ours", Reference));
        Assert.Throws<InvalidOperationException>(() => theirs.Ip("link", "show", "eth0"));
        Assert.Throws<InvalidOperationException>(() => ours.Ip("link", "show", "eth0"));
    }

    [KernelFact(KernelFeature.Vlan)]
    public void Check_detects_a_vlan_on_another_master_and_a_failed_add_leaves_nothing()
    {
        var ctr = _bin.Container();
        var conf = Conf(7, "10.71.2.0/30");
        var add = Exec("ADD", conf, ctr, "ctr-1");
        Ok(add);

        // The /30 has one address: the next ADD's IPAM fails after its link exists.
        var other = _bin.Container();
        Assert.Equal(1, Exec("ADD", Conf(8, "10.71.2.0/30"), other, "ctr-2").ExitCode);
        Assert.Throws<InvalidOperationException>(() => other.Ip("link", "show", "eth0"));

        _bin.AddMaster("cnivlm1", "cnivlp1");
        var check = Exec("CHECK", WithPrevResult(conf.Replace(Master, "cnivlm1", StringComparison.Ordinal), add.Stdout), ctr, "ctr-1");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("is not on master \\\"cnivlm1\\\"", check.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>A vlan conflist as a runtime drives it (our cnitool), in the second kernel.</summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class VlanConflistTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-vlan-list");

    public void Dispose() => _bin.Dispose();

    [KernelFact(KernelFeature.Vlan)]
    public void Add_check_del_leave_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "vlan", "\"vlanId\":300,\"mtu\":1400");

    [KernelFact(KernelFeature.Vlan)]
    public void Driven_by_the_go_libcni_it_leaves_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "vlan", "\"vlanId\":300,\"mtu\":1400", go: true);
}
