using System.Text;
using CniPlugins.Firewall;
using LibCni.Netfilter;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Firewall.Tests;

/// <summary>The plugin's verbs over fake iptables, nftables and firewalld.</summary>
public class FirewallPluginTests
{
    private readonly FakeIptables _iptables = new();
    private readonly FakeNftables _nft = new();
    private readonly FakeFirewalld _firewalld = new() { Running = false };

    private readonly FakeBridgeLinks _links = new();

    private FirewallPlugin Plugin() => new(_iptables, () => _nft, _firewalld, links: _links);

    private static CmdArgs Args(string command, string json, string containerId = "ctr1") => new()
    {
        Command = command,
        ContainerId = containerId,
        IfName = "eth0",
        Netns = "/run/netns/x",
        StdinData = Encoding.UTF8.GetBytes(json),
        ConfigVersion = "1.0.0",
    };

    [Fact]
    public void Add_without_prevResult_fails_with_the_references_message_and_changes_nothing()
    {
        var e = Assert.Throws<CniException>(() => Plugin().Add(Args("ADD", Confs.With(prevResult: null))));
        Assert.Equal("missing prevResult from earlier plugin", e.Message);
        Assert.Empty(_iptables.Scripts);
        Assert.Empty(_nft.Transactions);
        Assert.Equal("missing prevResult from earlier plugin", Assert.Throws<CniException>(() => Plugin().Check(Args("CHECK", Confs.With(prevResult: null)))).Message);
    }

    [Fact]
    public void Add_passes_prevResult_through_unchanged()
    {
        var result = Assert.IsType<Result100>(Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"nftables\""))));
        Assert.Equal(["cni0", "veth1", "eth0"], result.Interfaces!.Select(i => i.Name));
        Assert.Equal(["10.88.0.5/16", "fd00::5/64"], result.Ips!.Select(i => i.Address.ToString()));
    }

    [Fact]
    public void Empty_backend_is_iptables_when_firewalld_is_not_running()
    {
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"\"")));
        Assert.NotEmpty(_iptables.Scripts);
        Assert.Empty(_firewalld.Calls);
        Assert.Empty(_nft.Transactions);
    }

    [Fact]
    public void Empty_backend_is_firewalld_when_it_is_running()
    {
        _firewalld.Running = true;
        Plugin().Add(Args("ADD", Confs.With()));
        Assert.Equal(["addSource trusted 10.88.0.5/32", "addSource trusted fd00::5/128"], _firewalld.Calls);
        Assert.Empty(_iptables.Scripts);
    }

    [Fact]
    public void Firewalld_add_is_idempotent_and_other_errors_name_address_and_zone()
    {
        _firewalld.Running = true;
        var conf = Confs.With(",\"backend\":\"firewalld\",\"firewalldZone\":\"internal\"");
        Plugin().Add(Args("ADD", conf));
        Plugin().Add(Args("ADD", conf));
        Plugin().Check(Args("CHECK", conf));
        _firewalld.FailAdd = new FirewalldException("org.fedoraproject.FirewallD1.Exception", "INVALID_ZONE: internal");
        _firewalld.Sources.Clear();
        var e = Assert.Throws<CniException>(() => Plugin().Add(Args("ADD", conf)));
        Assert.StartsWith("failed to add the address 10.88.0.5/32 to internal zone: ", e.Message, StringComparison.Ordinal);
        Assert.Equal("failed to find the address 10.88.0.5/32 in internal zone", Assert.Throws<CniException>(() => Plugin().Check(Args("CHECK", conf))).Message);
    }

    [Fact]
    public void Del_cleans_every_backend_and_twice_is_fine()
    {
        _firewalld.Running = true;
        var nftConf = Confs.With(",\"backend\":\"nftables\"");
        Plugin().Add(Args("ADD", nftConf));
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"iptables\"")));
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"firewalld\"")));
        Plugin().Del(Args("DEL", Confs.With()));
        Plugin().Del(Args("DEL", Confs.With()));
        Assert.Empty(_nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD"));
        Assert.Single(_iptables.Tables[false]["CNI-FORWARD"]);
        Assert.Empty(_firewalld.Sources);
    }

    [Fact]
    public void Del_without_prevResult_removes_the_tagged_nftables_rules()
    {
        Plugin().Add(Args("ADD", Confs.With(",\"backend\":\"nftables\"")));
        Plugin().Del(Args("DEL", Confs.With(prevResult: null)));
        Assert.Empty(_nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD"));
        Assert.Empty(_iptables.Scripts);
    }

    [Fact]
    public void Same_bridge_without_interfaces_is_refused_before_anything_changes()
    {
        var conf = Confs.With(",\"backend\":\"iptables\",\"ingressPolicy\":\"same-bridge\"", """{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}""");
        var e = Assert.Throws<CniException>(() => Plugin().Add(Args("ADD", conf)));
        Assert.Equal("interface needs to be set for ingress policy \"same-bridge\", make sure to chain \"firewall\" plugin with \"bridge\"", e.Message);
        Assert.Empty(_iptables.Scripts);
    }

    [Fact]
    public void Same_bridge_isolates_prevResults_first_interface_in_iptables_even_with_firewalld()
    {
        _firewalld.Running = true;
        Plugin().Add(Args("ADD", Confs.With(",\"ingressPolicy\":\"same-bridge\"")));
        Assert.Contains(_iptables.Tables[false]["CNI-ISOLATION-STAGE-2"], r => r.StartsWith("-o cni0 ", StringComparison.Ordinal));
        Assert.Contains(_iptables.Tables[true]["CNI-ISOLATION-STAGE-2"], r => r.StartsWith("-o cni0 ", StringComparison.Ordinal));
        Assert.NotEmpty(_firewalld.Sources);
    }

    [Fact]
    public void Same_bridge_with_nftables_stays_in_nftables()
    {
        var conf = Confs.With(",\"backend\":\"nftables\",\"ingressPolicy\":\"same-bridge\"");
        Plugin().Add(Args("ADD", conf));
        Assert.Empty(_iptables.Scripts);
        Assert.Single(_nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-ISOLATION-STAGE-2"));
        Plugin().Check(Args("CHECK", conf));
    }

    [Fact]
    public void A_failed_isolation_undoes_the_allow_rules()
    {
        var conf = Confs.With(",\"backend\":\"nftables\",\"ingressPolicy\":\"same-bridge\"");
        var plugin = Plugin();
        _nft.Run(new NftTransaction());
        var isolating = new FailingIsolationNft(_nft);
        var e = Assert.Throws<CniException>(() => new FirewallPlugin(_iptables, () => isolating, _firewalld).Add(Args("ADD", conf)));
        Assert.Contains("injected", e.Message, StringComparison.Ordinal);
        Assert.Empty(_nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD"));
    }

    [Fact]
    public void Gc_collects_nftables_rules_of_attachments_not_listed()
    {
        var conf = Confs.With(",\"backend\":\"nftables\"");
        Plugin().Add(Args("ADD", conf, "keep"));
        Plugin().Add(Args("ADD", conf, "gone"));
        Plugin().Gc(Args("GC", Confs.With(",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]", prevResult: null)));
        Assert.All(_nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD"), r => Assert.Equal(NftFirewall.Tag("fwnet", "keep"), r.Comment));
        Plugin().Gc(Args("GC", Confs.With(prevResult: null)));
        Assert.Equal(4, _nft.ListRules(NftFamily.Inet, "cni_firewall", "CNI-FORWARD").Count);
    }

    [Fact]
    public void Status_reports_an_unusable_backend_with_code_50()
    {
        Plugin().Status(Args("STATUS", Confs.With(",\"backend\":\"iptables\"", prevResult: null)));
        _iptables.Available = false;
        Assert.Equal(50, Assert.Throws<CniException>(() => Plugin().Status(Args("STATUS", Confs.With(prevResult: null)))).Code);
        Assert.Equal(50, Assert.Throws<CniException>(() => Plugin().Status(Args("STATUS", Confs.With(",\"backend\":\"firewalld\"", prevResult: null)))).Code);
        Plugin().Status(Args("STATUS", Confs.With(",\"backend\":\"nftables\"", prevResult: null)));
        _firewalld.Running = true;
        Plugin().Status(Args("STATUS", Confs.With(prevResult: null)));
    }

    [Fact]
    public void Versions_are_the_references_plus_110()
    {
        var env = new FakeEnvironment("", ("CNI_COMMAND", "VERSION"));
        new PluginHost(Plugin(), "firewall", null, FirewallPlugin.SupportedVersions).Run(env);
        Assert.Contains("\"supportedVersions\":[\"0.4.0\",\"1.0.0\",\"1.1.0\"]", env.Output, StringComparison.Ordinal);
    }

    /// <summary>nftables that refuses the isolation rules' transaction.</summary>
    private sealed class FailingIsolationNft(FakeNftables inner) : INftables
    {
        public void Run(NftTransaction transaction)
        {
            if (transaction.Commands.OfType<NftAddRule>().Any(c => c.Rule.Chain.StartsWith("CNI-ISOLATION", StringComparison.Ordinal)))
            {
                throw new LibCni.Netlink.NetlinkException(1, "add rule", "injected failure");
            }

            inner.Run(transaction);
        }

        public IReadOnlyList<NftTable> ListTables(NftFamily family) => inner.ListTables(family);

        public IReadOnlyList<NftChain> ListChains(NftFamily family, string table) => inner.ListChains(family, table);

        public IReadOnlyList<NftRule> ListRules(NftFamily family, string table, string chain) => inner.ListRules(family, table, chain);

        public IReadOnlyList<byte[]> ListSetElements(NftFamily family, string table, string set) => inner.ListSetElements(family, table, set);

        public void Dispose()
        {
        }
    }
}
