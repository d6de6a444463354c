using System.Text;
using System.Text.Json;
using CniPlugins.Tuning;
using LibCni.TestKit;
using Xunit;

namespace Tuning.Tests;

/// <summary>ADD, CHECK and DEL through the plugin host against an in-memory kernel and store.</summary>
public class TuningPluginTests
{
    private const string StateFile = "/tmp/tuning-test/c0ffee_eth0.json";

    private readonly FakeKernel _kernel = new();
    private readonly FakeStore _store = new();
    private string? _allowlist;
    private string _stderr = "";

    public static string Prev(string version = "1.0.0") => version is "0.3.0" or "0.3.1" or "0.4.0"
        ? $$$""","prevResult":{"cniVersion":"{{{version}}}","interfaces":[{"name":"veth1","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","mac":"0a:58:0a:01:00:05","sandbox":"/run/netns/test"}],"ips":[{"version":"4","address":"10.1.0.5/24","interface":1,"gateway":"10.1.0.1"}],"dns":{}}"""
        : $$$""","prevResult":{"cniVersion":"{{{version}}}","interfaces":[{"name":"veth1","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","mac":"0a:58:0a:01:00:05","sandbox":"/run/netns/test"}],"ips":[{"address":"10.1.0.5/24","interface":1,"gateway":"10.1.0.1"}],"dns":{}}""";

    private (int Exit, string Output) Run(string command, string extra, string version = "1.0.0", string cniArgs = "")
    {
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"{{version}}","name":"net1","type":"tuning","dataDir":"/tmp/tuning-test"{{extra}}}""");
        if (cniArgs.Length > 0)
        {
            env["CNI_ARGS"] = cniArgs;
        }

        var exit = new LibCni.Skel.PluginHost(new TuningPlugin(_kernel, _store, () => _allowlist), "about").Run(env);
        _stderr = env.StderrWriter.ToString();
        return (exit, env.Output);
    }

    private static int Code(string output) => JsonDocument.Parse(output).RootElement.GetProperty("code").GetInt32();

    private static string Msg(string output) => JsonDocument.Parse(output).RootElement.GetProperty("msg").GetString()!;

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Add_passes_prev_result_through_unchanged(string version)
    {
        var (exit, output) = Run("ADD", Prev(version), version);
        Assert.Equal(0, exit);
        var expected = JsonDocument.Parse(Prev(version)[",\"prevResult\":".Length..]).RootElement;
        var actual = JsonDocument.Parse(output).RootElement;
        Assert.Equal(version, actual.GetProperty("cniVersion").GetString());
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(expected.GetProperty("interfaces").GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(actual.GetProperty("interfaces").GetRawText())), output);
        Assert.Equal("10.1.0.5/24", actual.GetProperty("ips")[0].GetProperty("address").GetString());
        Assert.Empty(_kernel.Calls);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void Add_without_prev_result_is_refused_and_changes_nothing()
    {
        var (exit, output) = Run("ADD", ""","mtu":1400,"sysctl":{"net.core.somaxconn":"5"}""");
        Assert.Equal(1, exit);
        Assert.Equal("Required prevResult missing", Msg(output));
        Assert.Empty(_kernel.Calls);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void Add_writes_sysctls_in_the_container_with_IFNAME_replaced()
    {
        var (exit, _) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.IFNAME.arp_filter":"1"}""" + Prev());
        Assert.Equal(0, exit);
        Assert.Equal(["sysctl net/core/somaxconn=500", "sysctl net/ipv4/conf/eth0/arp_filter=1"], _kernel.Calls);
        Assert.Empty(_store.Files); // sysctls are per netns and die with it: nothing to save
    }

    [Fact]
    public void Add_saves_the_original_values_then_changes_the_link_in_the_reference_order()
    {
        var (exit, _) = Run("ADD", ""","mac":"c2:11:22:33:44:55","promisc":true,"mtu":1400,"allmulti":true,"txQLen":20""" + Prev());
        Assert.Equal(0, exit);
        Assert.Equal(["mac 2 c2:11:22:33:44:55", "promisc 2 True", "mtu 2 1400", "allmulti 2 True", "txqlen 2 20"], _kernel.Calls);
        Assert.Equal("{\n \"mac\": \"0a:58:0a:01:00:05\",\n \"promisc\": false,\n \"mtu\": 1500,\n \"allmulti\": false,\n \"txQLen\": 1000\n}",
            Encoding.UTF8.GetString(_store.Files[StateFile]));
    }

    [Theory]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public void Add_with_a_mac_writes_it_into_the_prev_result_interface(string version)
    {
        var (exit, output) = Run("ADD", ""","runtimeConfig":{"mac":"C2-11-22-33-44-55"}""" + Prev(version), version);
        Assert.Equal(0, exit);
        var interfaces = JsonDocument.Parse(output).RootElement.GetProperty("interfaces");
        Assert.Equal("aa:bb:cc:dd:ee:ff", interfaces[0].GetProperty("mac").GetString());
        Assert.Equal("c2:11:22:33:44:55", interfaces[1].GetProperty("mac").GetString());
        Assert.Equal(version, JsonDocument.Parse(output).RootElement.GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Add_takes_the_mac_from_cni_args()
    {
        var (exit, _) = Run("ADD", Prev(), cniArgs: "IgnoreUnknown=1;MAC=c2:11:22:33:44:66");
        Assert.Equal(0, exit);
        Assert.Equal(["mac 2 c2:11:22:33:44:66"], _kernel.Calls);
    }

    [Theory]
    [InlineData("kernel.hostname")]
    [InlineData("net/../kernel/hostname")]
    [InlineData("net.ipv4.conf.all/../../../../etc/passwd")]
    public void A_bad_sysctl_key_is_code_7_and_nothing_is_changed(string key)
    {
        var (exit, output) = Run("ADD", $$""","mtu":1400,"sysctl":{"net.core.somaxconn":"500",{{JsonSerializer.Serialize(key)}}:"1"}""" + Prev());
        Assert.Equal(1, exit);
        Assert.Equal(7, Code(output));
        Assert.Contains(key, Msg(output), StringComparison.Ordinal);
        Assert.Empty(_kernel.Calls);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void A_sysctl_that_does_not_exist_changes_nothing()
    {
        var (exit, output) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"500","net.ipv4.no_such_thing":"1"}""" + Prev());
        Assert.Equal(1, exit);
        Assert.Equal(7, Code(output));
        Assert.Contains("net.ipv4.no_such_thing", Msg(output), StringComparison.Ordinal);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void A_failed_sysctl_write_puts_back_the_ones_already_written()
    {
        _kernel.FailOn = "sysctl net/ipv4/conf/all/log_martians=1";
        var (exit, _) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.all.log_martians":"1"}""" + Prev());
        Assert.Equal(1, exit);
        Assert.Equal(["sysctl net/core/somaxconn=500", "sysctl net/core/somaxconn=4096"], _kernel.Calls);
        Assert.Equal("4096", _kernel.Sysctls["net/core/somaxconn"]);
    }

    [Fact]
    public void A_failed_link_change_undoes_everything_and_leaves_no_state()
    {
        _kernel.FailOn = "mtu 2 9999";
        var (exit, output) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"500"},"mac":"c2:11:22:33:44:55","mtu":9999""" + Prev());
        Assert.Equal(1, exit);
        Assert.Contains("failed to set MTU of eth0 to 9999", Msg(output), StringComparison.Ordinal);
        Assert.Equal(["sysctl net/core/somaxconn=500", "mac 2 c2:11:22:33:44:55", "mtu 2 1500", "mac 2 0a:58:0a:01:00:05", "sysctl net/core/somaxconn=4096"], _kernel.Calls);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void A_missing_interface_is_an_error_before_anything_is_saved()
    {
        _kernel.Links.Clear();
        var (exit, output) = Run("ADD", ""","mtu":1400""" + Prev());
        Assert.Equal(1, exit);
        Assert.Contains("failed to get \"eth0\"", Msg(output), StringComparison.Ordinal);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void The_allowlist_refuses_keys_it_does_not_match_before_anything_changes()
    {
        _allowlist = "^net\\.core\\.somaxconn$\n";
        var (exit, output) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.all.log_martians":"1"}""" + Prev());
        Assert.Equal(1, exit);
        Assert.StartsWith("Sysctl net.ipv4.conf.all.log_martians is not allowed.", Msg(output), StringComparison.Ordinal);
        Assert.Empty(_kernel.Calls);

        Assert.Equal(0, Run("ADD", ""","sysctl":{"net.core.somaxconn":"500"}""" + Prev()).Exit);
        Assert.Equal(["sysctl net/core/somaxconn=500"], _kernel.Calls);
    }

    [Fact]
    public void The_allowlist_matches_the_key_as_written_with_IFNAME_unreplaced()
    {
        _allowlist = "^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+$";
        Assert.Equal(0, Run("ADD", ""","sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1"}""" + Prev()).Exit);
        Assert.Equal(["sysctl net/ipv4/conf/eth0/arp_filter=1"], _kernel.Calls);
    }

    [Fact]
    public void Del_restores_the_saved_values_in_the_reference_order_and_removes_the_file()
    {
        const string conf = ""","mac":"c2:11:22:33:44:55","promisc":true,"mtu":1400,"allmulti":true,"txQLen":20""";
        Assert.Equal(0, Run("ADD", conf + Prev()).Exit);
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", conf).Exit);
        Assert.Equal(["mtu 2 1500", "mac 2 0a:58:0a:01:00:05", "promisc 2 False", "allmulti 2 False", "txqlen 2 1000"], _kernel.Calls);
        Assert.Empty(_store.Files);
        Assert.Equal(new TuningLink(2, "eth0", [0x0a, 0x58, 0x0a, 0x01, 0x00, 0x05], 1500, false, false, 1000).ToString(), _kernel.Links["eth0"].ToString());

        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", conf).Exit);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Del_does_not_touch_sysctls()
    {
        Assert.Equal(0, Run("ADD", ""","sysctl":{"net.core.somaxconn":"500"}""" + Prev()).Exit);
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", ""","sysctl":{"net.core.somaxconn":"500"}""").Exit);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Del_with_the_netns_gone_drops_the_state_file()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""" + Prev()).Exit);
        _kernel.NetnsGone = true;
        Assert.Equal(0, Run("DEL", ""","mtu":1400""").Exit);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void Del_with_the_interface_gone_drops_the_state_file()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""" + Prev()).Exit);
        _kernel.Links.Clear();
        Assert.Equal(0, Run("DEL", ""","mtu":1400""").Exit);
        Assert.Empty(_store.Files);
    }

    [Fact]
    public void Del_that_cannot_restore_succeeds_keeps_the_file_and_says_why()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""" + Prev()).Exit);
        _kernel.FailOn = "mtu 2 1500";
        var (exit, output) = Run("DEL", ""","mtu":1400""");
        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Contains("failed to restore MTU", _stderr, StringComparison.Ordinal);
        Assert.Single(_store.Files);
    }

    [Fact]
    public void Del_that_cannot_look_up_the_link_succeeds_and_keeps_the_file()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""" + Prev()).Exit);
        _kernel.LinkLookupFails = true;
        Assert.Equal((0, ""), Run("DEL", ""","mtu":1400"""));
        Assert.Contains("could not look up eth0", _stderr, StringComparison.Ordinal);
        Assert.Single(_store.Files);
    }

    [Fact]
    public void Del_removes_a_corrupt_state_file()
    {
        _store.Files[StateFile] = "{"u8.ToArray();
        Assert.Equal(0, Run("DEL", "").Exit);
        Assert.Empty(_store.Files);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Del_restores_even_when_the_config_would_now_be_refused()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""" + Prev()).Exit);
        _kernel.Calls.Clear();
        Assert.Equal(0, Run("DEL", ""","mtu":1400,"mac":"bogus","sysctl":{"kernel.x":"1"}""").Exit);
        Assert.Equal(["mtu 2 1500"], _kernel.Calls);
    }

    [Fact]
    public void Check_passes_after_add_and_fails_on_each_kind_of_drift()
    {
        const string conf = ""","sysctl":{"net.core.somaxconn":"500"},"mac":"c2:11:22:33:44:55","promisc":true,"mtu":1400,"allmulti":true,"txQLen":20""";
        Assert.Equal(0, Run("ADD", conf + Prev()).Exit);
        Assert.Equal((0, ""), Run("CHECK", conf + Prev()));

        void Drift(Action change, string message)
        {
            var saved = new Dictionary<string, TuningLink>(_kernel.Links);
            var sysctls = new Dictionary<string, string>(_kernel.Sysctls);
            change();
            var (exit, output) = Run("CHECK", conf + Prev());
            Assert.Equal(1, exit);
            Assert.Equal(message, Msg(output));
            foreach (var (k, v) in saved)
            {
                _kernel.Links[k] = v;
            }

            foreach (var (k, v) in sysctls)
            {
                _kernel.Sysctls[k] = v;
            }
        }

        Drift(() => _kernel.Sysctls["net/core/somaxconn"] = "4096", "Error: Tuning configured value of /proc/sys/net/core/somaxconn is 500, current value is 4096");
        Drift(() => _kernel.Links["eth0"] = _kernel.Links["eth0"] with { Mac = [2, 0, 0, 0, 0, 9] }, "Error: Tuning configured Ethernet of eth0 is c2:11:22:33:44:55, current value is 02:00:00:00:00:09");
        Drift(() => _kernel.Links["eth0"] = _kernel.Links["eth0"] with { Promisc = false }, "Error: Tuning link eth0 configured promisc is true, current value is false");
        Drift(() => _kernel.Links["eth0"] = _kernel.Links["eth0"] with { Mtu = 1500 }, "Error: Tuning configured MTU of eth0 is 1400, current value is 1500");
        Drift(() => _kernel.Links["eth0"] = _kernel.Links["eth0"] with { Allmulti = false }, "Error: Tuning configured all-multicast mode of eth0 is true, current value is false");
        Drift(() => _kernel.Links["eth0"] = _kernel.Links["eth0"] with { TxQueueLength = 1000 }, "Error: Tuning configured Transmit Queue Length of eth0 is 20, current value is 1000");
        Drift(() => _kernel.Links.Clear(), "Cannot find container link eth0");
    }

    [Fact]
    public void Check_wants_promisc_off_when_the_config_does_not_turn_it_on()
    {
        _kernel.Links["eth0"] = _kernel.Links["eth0"] with { Promisc = true };
        var (exit, output) = Run("CHECK", Prev());
        Assert.Equal(1, exit);
        Assert.Equal("Error: Tuning link eth0 configured promisc is false, current value is true", Msg(output));
    }

    [Fact]
    public void Check_needs_prev_result()
    {
        var (exit, output) = Run("CHECK", "");
        Assert.Equal(1, exit);
        Assert.Equal("Required prevResult missing", Msg(output));
    }

    [Fact]
    public void Check_refuses_bad_sysctl_keys()
    {
        var (exit, output) = Run("CHECK", ""","sysctl":{"kernel.hostname":"x"}""" + Prev());
        Assert.Equal(1, exit);
        Assert.Equal(7, Code(output));
    }

    [Fact]
    public void Gc_and_status_succeed_with_nothing_to_do()
    {
        Assert.Equal((0, ""), Run("GC", "", "1.1.0"));
        Assert.Equal((0, ""), Run("STATUS", "", "1.1.0"));
    }
}
