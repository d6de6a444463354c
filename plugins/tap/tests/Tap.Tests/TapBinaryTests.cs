using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Tap.Tests;

/// <summary>The published tap against the real tun driver, read back with <c>ip -j -d</c> (Debian's 1.1.1 has no tap to compare).</summary>
[Trait("Tier", "Binary")]
public sealed class TapBinaryTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-tap");

    public void Dispose() => _bin.Dispose();

    private string Conf(string extra = "") =>
        $$$"""{"cniVersion":"1.0.0","name":"tapnet","type":"tap"{{{extra}}},"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"10.73.0.0/24"}]]}}""";

    [Fact]
    public void Add_makes_a_persistent_tap_on_the_containers_bridge_and_del_removes_it()
    {
        var ctr = _bin.Container();
        ctr.Ip("link", "add", "br0", "type", "bridge");
        var conf = Conf(",\"multiQueue\":true,\"mtu\":1400,\"mac\":\"0a:58:0a:49:00:07\",\"owner\":4242,\"group\":4343,\"bridge\":\"br0\"");
        var add = _bin.Exec("tap", conf, Environment("ADD", "ctr-tap", ctr.Path));
        Ok(add);
        var link = LinkDetails(ctr);
        var info = link["linkinfo"]!;
        Assert.Equal("tun", info["info_kind"]!.GetValue<string>());
        Assert.Equal("tap", info["info_data"]!["type"]!.GetValue<string>());
        Assert.True(info["info_data"]!["multi_queue"]!.GetValue<bool>());
        Assert.True(info["info_data"]!["vnet_hdr"]!.GetValue<bool>());
        Assert.False(info["info_data"]!["pi"]!.GetValue<bool>());
        // ip prints a uid/gid without a name as a number (with a name, as the name).
        Assert.Equal("4242", info["info_data"]!["user"]!.ToString());
        Assert.Equal("4343", info["info_data"]!["group"]!.ToString());
        Assert.True(info["info_data"]!["persist"]!.GetValue<bool>());
        Assert.Equal(1400, link["mtu"]!.GetValue<int>());
        Assert.Equal("0a:58:0a:49:00:07", link["address"]!.GetValue<string>());
        Assert.Equal("br0", link["master"]!.GetValue<string>());
        Assert.Contains("10.73.0.2/24", ctr.Ip("-br", "addr", "show", "eth0"), StringComparison.Ordinal);
        Ok(_bin.Exec("tap", WithPrevResult(conf, add.Stdout), Environment("CHECK", "ctr-tap", ctr.Path)));

        Ok(_bin.Exec("tap", conf, Environment("DEL", "ctr-tap", ctr.Path)));
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Ok(_bin.Exec("tap", conf, Environment("DEL", "ctr-tap", ctr.Path)));
    }

    [Fact]
    public void A_missing_bridge_fails_and_leaves_no_tap()
    {
        var ctr = _bin.Container();
        var add = _bin.Exec("tap", Conf(",\"bridge\":\"nobr\""), Environment("ADD", "ctr-nobr", ctr.Path));
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("failed to get bridge nobr", add.Stdout, StringComparison.Ordinal);
        Assert.Single(System.Text.Json.Nodes.JsonNode.Parse(ctr.Ip("-j", "link", "show"))!.AsArray());
    }

    [Fact]
    public void Add_execs_only_ipam()
    {
        var ctr = _bin.Container();
        var (result, programs) = _bin.ExecTraced("tap", Conf(), Environment("ADD", "ctr-trace", ctr.Path));
        Ok(result);
        Assert.Equal(2, programs.Count);
        Assert.EndsWith("/host-local", programs[1], StringComparison.Ordinal);
    }
}
