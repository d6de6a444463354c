using System.Text.Json;
using CniPlugins.Bandwidth;
using LibCni.Netlink.Tc;
using LibCni.TestKit;
using Xunit;

namespace Bandwidth.Tests;

/// <summary>ADD, DEL, CHECK and GC through the plugin host against an in-memory host.</summary>
public class BandwidthPluginTests
{
    private const string Ifb = "bwp6a75e1c84261"; // python3: 'bwp' + hashlib.sha512(b'net1c0ffee').hexdigest()[:12]
    private const string Both = ""","ingressRate":1000000,"ingressBurst":100000,"egressRate":2000000,"egressBurst":200000""";

    private readonly FakeKernel _kernel = new();
    private string _stderr = "";

    public static string Prev(string version = "1.0.0") =>
        $$$""","prevResult":{"cniVersion":"{{{version}}}","interfaces":[{"name":"veth1","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","mac":"0a:58:0a:01:00:05","sandbox":"/run/netns/test"}],"ips":[{"address":"10.1.0.5/24","interface":1,"gateway":"10.1.0.1"}]}""";

    private (int Exit, string Output) Run(string command, string extra, string version = "1.0.0")
    {
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"{{version}}","name":"net1","type":"bandwidth"{{extra}}}""");
        var exit = new LibCni.Skel.PluginHost(new BandwidthPlugin(_kernel), "about", null, BandwidthPlugin.SupportedVersions).Run(env);
        _stderr = env.StderrWriter.ToString();
        return (exit, env.Output);
    }

    private static string Msg(string output) => JsonDocument.Parse(output).RootElement.GetProperty("msg").GetString()!;

    private static int Code(string output) => JsonDocument.Parse(output).RootElement.GetProperty("code").GetInt32();

    [Fact]
    public void Ifb_name_is_bwp_and_12_hex_of_sha512_of_name_and_container_id() =>
        Assert.Equal(Ifb, BandwidthPlugin.IfbName("net1", "c0ffee"));

    [Fact]
    public void Add_shapes_both_directions_and_reports_the_ifb()
    {
        var (exit, output) = Run("ADD", Both + Prev());
        Assert.Equal(0, exit);
        Assert.Equal(
        [
            "tbf 5 125000/15625/1562500",
            $"ifb {Ifb} mtu 1450 alias cni-bandwidth:net1",
            "ingress 5",
            "filter 5 -> 10",
            "tbf 10 250000/31250/1562500",
        ], _kernel.Calls);
        var interfaces = JsonDocument.Parse(output).RootElement.GetProperty("interfaces");
        Assert.Equal(3, interfaces.GetArrayLength());
        Assert.Equal(Ifb, interfaces[2].GetProperty("name").GetString());
        Assert.Equal("02:00:00:00:00:01", interfaces[2].GetProperty("mac").GetString());
        Assert.False(interfaces[2].TryGetProperty("sandbox", out _));
    }

    [Fact]
    public void Top_level_keys_win_over_runtime_config_entirely()
    {
        var (exit, _) = Run("ADD", ""","egressRate":2000000,"egressBurst":200000,"runtimeConfig":{"bandwidth":{"ingressRate":8000,"ingressBurst":8000}}""" + Prev());
        Assert.Equal(0, exit);
        Assert.DoesNotContain(_kernel.Calls, c => c == "tbf 5 1000/1200/12500000");
        Assert.Contains(_kernel.Calls, c => c.StartsWith("tbf 10 ", StringComparison.Ordinal));
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("tbf 5 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Runtime_config_is_used_without_top_level_keys()
    {
        var (exit, _) = Run("ADD", ""","runtimeConfig":{"bandwidth":{"ingressRate":1000000,"ingressBurst":100000}}""" + Prev());
        Assert.Equal(0, exit);
        Assert.Equal(["tbf 5 125000/15625/1562500"], _kernel.Calls);
    }

    [Theory]
    [InlineData("""{"ingressRate":1000}""", "if rate is set, burst must also be set")]
    [InlineData("""{"egressBurst":1000}""", "if burst is set, rate must also be set")]
    [InlineData("""{"ingressRate":1000,"ingressBurst":34359738360}""", "burst cannot be more than 4GB")]
    public void Validation_uses_the_reference_texts_for_every_verb(string limits, string message)
    {
        var extra = "," + limits[1..^1] + Prev();
        foreach (var verb in new[] { "ADD", "DEL", "CHECK" })
        {
            var (exit, output) = Run(verb, extra);
            Assert.Equal(1, exit);
            Assert.Equal(message, Msg(output));
        }

        Assert.Empty(_kernel.Calls);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"1000\"")]
    public void A_rate_that_is_not_an_unsigned_integer_is_a_decoding_error(string value)
    {
        var (exit, output) = Run("ADD", $",\"ingressRate\":{value},\"ingressBurst\":1" + Prev());
        Assert.Equal(1, exit);
        Assert.Equal(6, Code(output));
        Assert.Contains("ingressRate", Msg(output), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.1.0")]
    [InlineData("0.2.0")]
    public void Versions_before_0_3_0_are_refused(string version)
    {
        var (exit, output) = Run("ADD", Both, version);
        Assert.Equal(1, exit);
        Assert.Equal(1, Code(output));
    }

    [Fact]
    public void Add_without_limits_passes_prev_result_through()
    {
        var (exit, output) = Run("ADD", Prev("0.4.0"), "0.4.0");
        Assert.Equal(0, exit);
        Assert.Equal(2, JsonDocument.Parse(output).RootElement.GetProperty("interfaces").GetArrayLength());
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Add_without_limits_or_prev_result_is_an_error_not_a_crash()
    {
        var (exit, output) = Run("ADD", "");
        Assert.Equal(1, exit);
        Assert.Equal("must be called as chained plugin", Msg(output));
    }

    [Fact]
    public void Add_with_limits_needs_prev_result()
    {
        var (exit, output) = Run("ADD", Both);
        Assert.Equal(1, exit);
        Assert.Equal("must be called as chained plugin", Msg(output));
    }

    [Fact]
    public void Host_interface_must_be_the_veth_peer_listed_without_sandbox()
    {
        _kernel.PeerIndex = 99;
        Assert.Equal("veth peer with index 99 is not in host ns", Msg(Run("ADD", Both + Prev()).Output));
        _kernel.PeerIndex = 0;
        Assert.StartsWith("container interface eth0 has no veth peer", Msg(Run("ADD", Both + Prev()).Output), StringComparison.Ordinal);
        _kernel.PeerIndex = 5;
        var noVeth = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/test"}]}""";
        Assert.Equal("no veth peer of container interface found in host ns", Msg(Run("ADD", Both + noVeth).Output));
        var empty = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[]}""";
        Assert.Equal("no interfaces provided", Msg(Run("ADD", Both + empty).Output));
        _kernel.NetnsMissing = true;
        Assert.StartsWith("failed to open netns %!q(<nil>): ", Msg(Run("ADD", Both + Prev()).Output), StringComparison.Ordinal);
        Assert.Empty(_kernel.Calls);
    }

    [Theory]
    [InlineData("ifb", "adding link: ")]
    [InlineData("ingress", "create ingress qdisc: ")]
    [InlineData("filter", "add filter: ")]
    [InlineData("tbf 10", "create ifb qdisc: create qdisc: ")]
    public void A_failed_add_undoes_what_it_made(string failing, string prefix)
    {
        _kernel.FailOn = failing;
        var (exit, output) = Run("ADD", Both + Prev());
        Assert.Equal(1, exit);
        Assert.StartsWith(prefix, Msg(output), StringComparison.Ordinal);
        Assert.Single(_kernel.Links);
        Assert.All(_kernel.Qdiscs.Values, Assert.Empty);
    }

    [Fact]
    public void Del_removes_the_ifb_and_our_host_qdiscs_and_succeeds_again()
    {
        Assert.Equal(0, Run("ADD", Both + Prev()).Exit);
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", Both + Prev()).Exit);
        Assert.Equal(["del link 10", "del root 5", "del ingress 5"], _kernel.Calls);
        Assert.Single(_kernel.Links);
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", Both + Prev()).Exit);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Del_with_the_netns_gone_still_deletes_the_ifb()
    {
        Assert.Equal(0, Run("ADD", Both + Prev()).Exit);
        _kernel.NetnsMissing = true;
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", Both + Prev()).Exit);
        Assert.Equal(["del link 10"], _kernel.Calls);
    }

    [Fact]
    public void Check_passes_on_what_add_made_and_names_each_mismatch()
    {
        Assert.Equal(0, Run("ADD", Both + Prev()).Exit);
        Assert.Equal(0, Run("CHECK", Both + Prev()).Exit);
        Assert.Equal("Rate doesn't match", Msg(Run("CHECK", Both.Replace("1000000", "1000008", StringComparison.Ordinal) + Prev()).Output));
        _kernel.Qdiscs[10].Clear();
        Assert.Equal("Failed to find qdisc", Msg(Run("CHECK", Both + Prev()).Output));
        _kernel.Links.RemoveAll(l => l.Kind == "ifb");
        Assert.Equal("get ifb device: Link not found", Msg(Run("CHECK", Both + Prev()).Output));
        Assert.Equal("must be called as a chained plugin", Msg(Run("CHECK", Both).Output));
    }

    [Fact]
    public void Verify_compares_the_root_tbf_and_fails_without_one()
    {
        var expected = new TbfParameters(125000, 15625, 1562500);
        QdiscInfo Tbf(TbfParameters p) => new(5, 0x10000, TcConstants.HandleRoot, "tbf", p);
        var ex = Assert.Throws<LibCni.Types.CniException>(() => BandwidthPlugin.VerifyTbf([Tbf(expected with { Limit = 1 })], expected));
        Assert.Equal("Limit doesn't match", ex.Message);
        ex = Assert.Throws<LibCni.Types.CniException>(() => BandwidthPlugin.VerifyTbf([Tbf(expected with { Buffer = 1 })], expected));
        Assert.Equal("Buffer doesn't match", ex.Message);
        ex = Assert.Throws<LibCni.Types.CniException>(() => BandwidthPlugin.VerifyTbf([new QdiscInfo(5, 0xffff0000, TcConstants.HandleIngress, "ingress", null), Tbf(expected with { Rate = 1 })], expected));
        Assert.Equal("Rate doesn't match", ex.Message);
        BandwidthPlugin.VerifyTbf([new QdiscInfo(5, 0xffff0000, TcConstants.HandleIngress, "ingress", null), Tbf(expected)], expected);
        ex = Assert.Throws<LibCni.Types.CniException>(() => BandwidthPlugin.VerifyTbf([new QdiscInfo(5, 0xffff0000, TcConstants.HandleIngress, "ingress", null)], expected));
        Assert.Equal("Failed to find qdisc", ex.Message);
        ex = Assert.Throws<LibCni.Types.CniException>(() => BandwidthPlugin.VerifyTbf([new QdiscInfo(5, 0, TcConstants.HandleRoot, "pfifo_fast", null)], expected));
        Assert.Equal("Failed to find qdisc", ex.Message);
    }

    [Fact]
    public void Gc_removes_only_stale_ifbs_marked_for_this_network()
    {
        var valid = BandwidthPlugin.IfbName("net1", "keep");
        _kernel.Links.Add(new HostLink(20, valid, 1500, "", "ifb", "cni-bandwidth:net1"));
        _kernel.Links.Add(new HostLink(21, BandwidthPlugin.IfbName("net1", "gone"), 1500, "", "ifb", "cni-bandwidth:net1"));
        _kernel.Links.Add(new HostLink(22, BandwidthPlugin.IfbName("net2", "other"), 1500, "", "ifb", "cni-bandwidth:net2"));
        _kernel.Links.Add(new HostLink(23, BandwidthPlugin.IfbName("net1", "gomade"), 1500, "", "ifb", null));
        _kernel.Links.Add(new HostLink(24, "bwpnotahash12", 1500, "", "ifb", null));
        _kernel.Links.Add(new HostLink(25, BandwidthPlugin.IfbName("net1", "veth"), 1500, "", "veth", null));
        var (exit, _) = Run("GC", ""","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]""", "1.1.0");
        Assert.Equal(0, exit);
        Assert.Equal(["del link 21"], _kernel.Calls); // 23 may belong to any network: the reference names no network on its ifbs
    }

    [Fact]
    public void Gc_without_a_valid_attachment_list_removes_nothing()
    {
        _kernel.Links.Add(new HostLink(21, BandwidthPlugin.IfbName("net1", "gone"), 1500, "", "ifb", "cni-bandwidth:net1"));
        Assert.Equal(0, Run("GC", "", "1.1.0").Exit);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Status_succeeds() => Assert.Equal(0, Run("STATUS", "", "1.1.0").Exit);
}
