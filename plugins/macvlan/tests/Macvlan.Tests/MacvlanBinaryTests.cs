using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Macvlan.Tests;

/// <summary>
/// The published macvlan (and the reference's, from /usr/lib/cni) in a private host whose master is one end of a
/// veth pair; containers are throwaway namespaces, state is read back with <c>ip -j -d</c>.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class MacvlanBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private const string Master = "cnimvm0";
    private readonly BinaryHost _bin = new("cni-macvlan");

    public MacvlanBinaryTests() => MasterIndex = _bin.AddMaster(Master, "cnimvp0");

    public void Dispose() => _bin.Dispose();

    private string Conf(string extra = "", string master = Master, string subnet = "10.55.0.0/24") =>
        $$$"""{"cniVersion":"1.0.0","name":"lan","type":"macvlan"{{{(master.Length > 0 ? $",\"master\":\"{master}\"" : "")}}}{{{extra}}},"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]]}}""";

    private ProcessResult Exec(string command, string conf, TestNetns container, string id, string binDir = "") =>
        _bin.ExecFrom(binDir.Length > 0 ? binDir : Repo.BinDir, "macvlan", conf,
            Environment(command, id, container.Path, cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=web", cniPath: binDir.Length > 0 ? binDir : Repo.BinDir));

    private int MasterIndex { get; }

    [Fact]
    public void Two_containers_on_one_master_reach_each_other_and_del_leaves_nothing()
    {
        var a = _bin.Container();
        var b = _bin.Container();
        var addA = Exec("ADD", Conf(), a, "ctr-a");
        Ok(addA);
        var addB = Exec("ADD", Conf(), b, "ctr-b");
        Ok(addB);

        var link = LinkDetails(a);
        Assert.Equal("macvlan", link["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Equal("bridge", link["linkinfo"]!["info_data"]!["mode"]!.GetValue<string>());
        Assert.Equal(MasterIndex, link["link_index"]!.GetValue<int>());
        Assert.Equal(JsonDocument.Parse(addA.Stdout).RootElement.GetProperty("interfaces")[0].GetProperty("mac").GetString(), link["address"]!.GetValue<string>());
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", a.Name, "cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify").Trim());
        Shell.Run("ip", "netns", "exec", a.Name, "ping", "-c1", "-W2", FirstAddress(addB.Stdout));

        Ok(Exec("CHECK", WithPrevResult(Conf(), addA.Stdout), a, "ctr-a"));
        Ok(Exec("DEL", Conf(), a, "ctr-a"));
        Ok(Exec("DEL", Conf(), b, "ctr-b"));
        Assert.Throws<InvalidOperationException>(() => a.Ip("link", "show", "eth0"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_bin.DataDir, "lan"), "10.*"));
        Ok(Exec("DEL", Conf(), a, "ctr-a"));
    }

    [Theory]
    [InlineData("bridge")]
    [InlineData("private")]
    [InlineData("vepa")]
    [InlineData("passthru")]
    public void Ours_and_the_references_make_the_same_link_and_each_checks_and_deletes_the_others(string mode)
    {
        var conf = Conf($",\"mode\":\"{mode}\",\"mtu\":1400", subnet: "10.55.1.0/24");
        var theirs = _bin.Container();
        var refAdd = Exec("ADD", conf, theirs, "ctr-ref", Reference);
        Ok(refAdd);
        var expected = LinkDetails(theirs);
        Ok(Exec("CHECK", WithPrevResult(conf, refAdd.Stdout), theirs, "ctr-ref"));
        Ok(Exec("DEL", conf, theirs, "ctr-ref"));
        Assert.Throws<InvalidOperationException>(() => theirs.Ip("link", "show", "eth0"));

        // passthru takes the master for itself: one at a time.
        var ours = _bin.Container();
        var add = Exec("ADD", conf, ours, "ctr-ours");
        Ok(add);
        var actual = LinkDetails(ours);
        foreach (var key in new[] { "mtu", "link_index", "flags" })
        {
            Assert.Equal(expected[key]!.ToJsonString(), actual[key]!.ToJsonString());
        }

        Assert.Equal(expected["linkinfo"]!.ToJsonString(), actual["linkinfo"]!.ToJsonString());
        Ok(Exec("CHECK", WithPrevResult(conf, add.Stdout), ours, "ctr-ours", Reference));
        Ok(Exec("DEL", conf, ours, "ctr-ours", Reference));
        Assert.Throws<InvalidOperationException>(() => ours.Ip("link", "show", "eth0"));
    }

    [Fact]
    public void No_master_means_the_default_route_interface()
    {
        _bin.Host!.Ip("addr", "add", "10.56.0.1/24", "dev", Master);
        _bin.Host.Ip("route", "add", "default", "via", "10.56.0.254", "dev", Master);
        var ctr = _bin.Container();
        Ok(Exec("ADD", Conf(master: ""), ctr, "ctr-default"));
        Assert.Equal(MasterIndex, LinkDetails(ctr)["link_index"]!.GetValue<int>());
        Ok(Exec("DEL", Conf(master: ""), ctr, "ctr-default"));
    }

    [Fact]
    public void Link_in_container_takes_the_master_from_the_container()
    {
        var ctr = _bin.Container();
        ctr.Ip("link", "add", "lower0", "type", "veth", "peer", "name", "lower1");
        ctr.Ip("link", "set", "lower0", "up");
        var conf = Conf(",\"linkInContainer\":true", master: "lower0");
        var add = Exec("ADD", conf, ctr, "ctr-in");
        Ok(add);
        var link = LinkDetails(ctr);
        Assert.Equal("lower0", link["link"]!.GetValue<string>());
        Ok(Exec("CHECK", WithPrevResult(conf, add.Stdout), ctr, "ctr-in"));
        Ok(Exec("DEL", conf, ctr, "ctr-in"));
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
    }

    [Fact]
    public void Layer2_only_is_up_without_addresses()
    {
        var ctr = _bin.Container();
        var conf = $$"""{"cniVersion":"1.0.0","name":"l2","type":"macvlan","master":"{{Master}}","mode":"private"}""";
        var add = Exec("ADD", conf, ctr, "ctr-l2");
        Ok(add);
        Assert.False(JsonDocument.Parse(add.Stdout).RootElement.TryGetProperty("ips", out _));
        Assert.Contains("UP", LinkDetails(ctr)["flags"]!.ToJsonString(), StringComparison.Ordinal);
        Ok(Exec("DEL", conf, ctr, "ctr-l2"));
    }

    [Fact]
    public void Check_detects_a_changed_mode()
    {
        var ctr = _bin.Container();
        var add = Exec("ADD", Conf(), ctr, "ctr-mode");
        Ok(add);
        ctr.Ip("link", "set", "eth0", "type", "macvlan", "mode", "vepa");
        var check = Exec("CHECK", WithPrevResult(Conf(), add.Stdout), ctr, "ctr-mode");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("container macvlan mode vepa does not match expected value: bridge", check.Stdout, StringComparison.Ordinal);
        Ok(Exec("DEL", Conf(), ctr, "ctr-mode"));
    }

    [Fact]
    public void A_failed_add_leaves_no_link_and_no_reservation()
    {
        var ctr = _bin.Container();
        var conf = Conf(",\"mtu\":1500", subnet: "10.55.2.0/30");
        Ok(Exec("ADD", conf, _bin.Container(), "ctr-1"));

        // The /30 has one address: the second ADD's IPAM fails after the link exists.
        var add = Exec("ADD", conf, ctr, "ctr-2");
        Assert.Equal(1, add.ExitCode);
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Assert.Single(JsonNode.Parse(ctr.Ip("-j", "link", "show"))!.AsArray());
    }

    [Fact]
    public void Add_execs_only_ipam()
    {
        var ctr = _bin.Container();
        var (result, programs) = _bin.ExecTraced("macvlan", Conf(), Environment("ADD", "ctr-trace", ctr.Path));
        Ok(result);
        Assert.Equal(2, programs.Count);
        Assert.EndsWith("/host-local", programs[1], StringComparison.Ordinal);
    }
}

/// <summary>A macvlan conflist as a runtime drives it (our cnitool, Go cnitool's variables), on this host's kernel.</summary>
[Trait("Tier", "Binary")]
public sealed class MacvlanConflistTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-macvlan-list");

    public void Dispose() => _bin.Dispose();

    [Fact]
    public void Add_check_del_leave_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "macvlan", "\"mode\":\"bridge\"");

    [Fact]
    public void Driven_by_the_go_libcni_it_leaves_the_master_untouched_and_nothing_behind() =>
        ChildLinkConflist.AddCheckDelLeaveNothing(_bin, "macvlan", "\"mode\":\"bridge\"", go: true);
}
