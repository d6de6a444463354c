using System.Text.Json;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Ipvlan.Tests;

/// <summary>The published ipvlan and the reference's on a kernel with ipvlan (the second-kernel tier), on a veth master.</summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class IpvlanBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private const string Master = "cniivm0";
    private readonly BinaryHost _bin = new("cni-ipvlan");
    private readonly int _masterIndex;

    public IpvlanBinaryTests() => _masterIndex = KernelFeature.Has(KernelFeature.Ipvlan) ? _bin.AddMaster(Master, "cniivp0") : 0;

    public void Dispose() => _bin.Dispose();

    private string Conf(string mode = "l2", string subnet = "10.69.0.0/24") =>
        $$$"""{"cniVersion":"1.0.0","name":"ivnet","type":"ipvlan","master":"{{{Master}}}","mode":"{{{mode}}}","ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]]}}""";

    private ProcessResult Exec(string command, string conf, TestNetns ctr, string id, string binDir = "") =>
        _bin.ExecFrom(binDir.Length > 0 ? binDir : Repo.BinDir, "ipvlan", conf, Environment(command, id, ctr.Path, cniPath: binDir.Length > 0 ? binDir : Repo.BinDir));

    [KernelFact(KernelFeature.Ipvlan)]
    public void Two_l2_containers_reach_each_other_and_del_leaves_nothing()
    {
        var a = _bin.Container();
        var b = _bin.Container();
        var addA = Exec("ADD", Conf(), a, "ctr-a");
        Ok(addA);
        var addB = Exec("ADD", Conf(), b, "ctr-b");
        Ok(addB);
        var link = LinkDetails(a);
        Assert.Equal("ipvlan", link["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Equal("l2", link["linkinfo"]!["info_data"]!["mode"]!.GetValue<string>());
        Assert.Equal(_masterIndex, link["link_index"]!.GetValue<int>());
        Shell.Run("ip", "netns", "exec", a.Name, "ping", "-c1", "-W2", FirstAddress(addB.Stdout));
        Ok(Exec("CHECK", WithPrevResult(Conf(), addA.Stdout), a, "ctr-a"));

        Ok(Exec("DEL", Conf(), a, "ctr-a"));
        Ok(Exec("DEL", Conf(), b, "ctr-b"));
        Assert.Throws<InvalidOperationException>(() => a.Ip("link", "show", "eth0"));
        Ok(Exec("DEL", Conf(), a, "ctr-a"));
    }

    [KernelTheory(KernelFeature.Ipvlan)]
    [InlineData("l2")]
    [InlineData("l3")]
    [InlineData("l3s")]
    public void Ours_and_the_references_make_the_same_link_and_each_checks_and_deletes_the_others(string mode)
    {
        var conf = Conf(mode, "10.69.1.0/24");
        var theirs = _bin.Container();
        var ours = _bin.Container();
        var refAdd = Exec("ADD", conf, theirs, "ctr-ref", Reference);
        Ok(refAdd);
        var add = Exec("ADD", conf, ours, "ctr-ours");
        Ok(add);
        var (expected, actual) = (LinkDetails(theirs), LinkDetails(ours));
        Assert.Equal(expected["linkinfo"]!.ToJsonString(), actual["linkinfo"]!.ToJsonString());
        Assert.Equal(expected["mtu"]!.GetValue<int>(), actual["mtu"]!.GetValue<int>());

        Ok(Exec("CHECK", WithPrevResult(conf, refAdd.Stdout), theirs, "ctr-ref"));
        Ok(Exec("CHECK", WithPrevResult(conf, add.Stdout), ours, "ctr-ours", Reference));
        Ok(Exec("DEL", conf, theirs, "ctr-ref"));
        Ok(Exec("DEL", conf, ours, "ctr-ours", Reference));
        Assert.Throws<InvalidOperationException>(() => theirs.Ip("link", "show", "eth0"));
        Assert.Throws<InvalidOperationException>(() => ours.Ip("link", "show", "eth0"));
    }

    [KernelFact(KernelFeature.Ipvlan)]
    public void Chained_without_ipam_takes_master_and_addresses_from_prev_result()
    {
        var ctr = _bin.Container();
        var conf = $$$"""{"cniVersion":"1.0.0","name":"ivchain","type":"ipvlan","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"{{{Master}}}"}],"ips":[{"address":"10.69.2.7/24","interface":0}]}}""";
        var add = Exec("ADD", conf, ctr, "ctr-chain");
        Ok(add);
        Assert.Equal(_masterIndex, LinkDetails(ctr)["link_index"]!.GetValue<int>());
        Assert.Contains("10.69.2.7/24", ctr.Ip("-br", "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Equal("eth0", JsonDocument.Parse(add.Stdout).RootElement.GetProperty("interfaces")[0].GetProperty("name").GetString());
        Ok(Exec("DEL", conf, ctr, "ctr-chain"));
    }

    [KernelFact(KernelFeature.Ipvlan)]
    public void Check_detects_a_changed_mode()
    {
        var ctr = _bin.Container();
        var add = Exec("ADD", Conf("l3", "10.69.3.0/24"), ctr, "ctr-mode");
        Ok(add);
        ctr.Ip("link", "set", "eth0", "type", "ipvlan", "mode", "l2");
        var check = Exec("CHECK", WithPrevResult(Conf("l3", "10.69.3.0/24"), add.Stdout), ctr, "ctr-mode");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Container IPVlan mode l2 does not match expected value: l3", check.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>An ipvlan conflist as a runtime drives it (our cnitool), in the second kernel.</summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class IpvlanConflistTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-ipvlan-list");

    public void Dispose() => _bin.Dispose();

    [KernelFact(KernelFeature.Ipvlan)]
    public void Add_check_del_leave_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "ipvlan", "\"mode\":\"l3\"");

    [KernelFact(KernelFeature.Ipvlan)]
    public void Driven_by_the_go_libcni_it_leaves_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "ipvlan", "\"mode\":\"l3\"", go: true);
}
