using System.Text;
using CniPlugins.Portmap;
using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Portmap.Tests;

public class NftPortForwarderTests
{
    private const string Mappings = ""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":53,"containerPort":5353,"protocol":"udp","hostIP":"192.168.0.2"}]}""";

    private readonly FakeNftables _nft = new();

    private NftPortForwarder Forwarder() => new(() => _nft);

    private static PortmapRequest Request(string extra, string containerId = "ctr1", string network = "net1") =>
        new(network, containerId, "eth0", PortmapConfigTests.Parse(extra + PortmapConfigTests.Prev));

    private int Tagged(NftFamily family, string chain, string tag) => _nft.ListRules(family, NftPortForwarder.Table, chain).Count(r => r.Comment == tag);

    [Fact]
    public void Forward_installs_dnat_and_masquerade_per_family_tagged_with_network_and_container()
    {
        Forwarder().Forward(Request(Mappings));
        var tag = NftPortForwarder.Tag("net1", "ctr1");
        Assert.Equal(2, Tagged(NftFamily.Ip, "hostports", tag));
        Assert.Equal(2, Tagged(NftFamily.Ip, "masquerading", tag));
        Assert.Equal(1, Tagged(NftFamily.Ip6, "hostports", tag));
        Assert.Equal(1, Tagged(NftFamily.Ip6, "masquerading", tag));
        Assert.Equal(2, _nft.Transactions.Count);
        var dispatch = _nft.ListRules(NftFamily.Ip, NftPortForwarder.Table, "prerouting").Single();
        Assert.Contains(dispatch.Expressions, e => e.ToString()!.Contains("fib", StringComparison.Ordinal));
        Check_passes_then_fails_when_a_rule_goes(tag);
    }

    private void Check_passes_then_fails_when_a_rule_goes(string tag)
    {
        var request = Request(Mappings);
        Forwarder().Check(request);
        _nft.DeleteRules(NftFamily.Ip6, NftPortForwarder.Table, "hostports", c => c == tag);
        var e = Assert.Throws<CniException>(() => Forwarder().Check(request));
        Assert.StartsWith("could not check IPv6 dnat", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv4_only_container_checks_only_ipv4()
    {
        var config = PortmapConfigTests.Parse(Mappings + ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/c"}],"ips":[{"address":"10.1.0.5/24","interface":0}]}""");
        var request = new PortmapRequest("net1", "ctr1", "eth0", config);
        Forwarder().Forward(request);
        Assert.Empty(_nft.ListTables(NftFamily.Ip6));
        Forwarder().Check(request);
    }

    [Fact]
    public void Add_does_not_read_the_growing_chain()
    {
        for (var i = 0; i < 20; i++)
        {
            Forwarder().Forward(Request(Mappings, containerId: $"ctr{i}"));
        }

        Assert.Equal(0, _nft.ListCalls);
    }

    [Fact]
    public void Unforward_removes_exactly_one_container_including_reference_made_rules()
    {
        Forwarder().Forward(Request(Mappings, "ctr1"));
        Forwarder().Forward(Request(Mappings, "ctr2"));
        _nft.Run(new NftTransaction().Add(new NftRuleBuilder(NftFamily.Ip, NftPortForwarder.Table, "hostports")
            .Match(NftFields.L4Proto == "tcp").Match(NftFields.ThDport == 9999).Dnat(IpText.Parse("10.1.0.9"), 80).Comment("ctr1")));

        Forwarder().Unforward("net1", "ctr1");
        Assert.Equal(0, _nft.ListRules(NftFamily.Ip, NftPortForwarder.Table, "hostports").Count(r => r.Comment is "ctr1" || r.Comment == NftPortForwarder.Tag("net1", "ctr1")));
        Assert.Equal(2, Tagged(NftFamily.Ip, "hostports", NftPortForwarder.Tag("net1", "ctr2")));
        Forwarder().Unforward("net1", "ctr1");
    }

    [Fact]
    public void Long_container_ids_sharing_a_prefix_get_distinct_tags()
    {
        var prefix = new string('a', 150);
        Assert.NotEqual(NftPortForwarder.Tag("net1", prefix + "1"), NftPortForwarder.Tag("net1", prefix + "2"));
        Assert.True(NftPortForwarder.Tag("net1", prefix + "1").Length <= 128);
        Forwarder().Forward(Request(Mappings, prefix + "1"));
        Forwarder().Forward(Request(Mappings, prefix + "2"));
        Forwarder().Unforward("net1", prefix + "1");
        Assert.Equal(2, Tagged(NftFamily.Ip, "hostports", NftPortForwarder.Tag("net1", prefix + "2")));
    }

    [Fact]
    public void Unforward_with_nothing_installed_is_fine() => Forwarder().Unforward("net1", "nobody");

    [Fact]
    public void Gc_keeps_valid_containers_and_other_networks()
    {
        Forwarder().Forward(Request(Mappings, "keep"));
        Forwarder().Forward(Request(Mappings, "stale"));
        Forwarder().Forward(Request(Mappings, "other", network: "net2"));
        Forwarder().Gc("net1", new HashSet<string> { "keep" });
        Assert.Equal(2, Tagged(NftFamily.Ip, "hostports", NftPortForwarder.Tag("net1", "keep")));
        Assert.Equal(0, Tagged(NftFamily.Ip, "hostports", NftPortForwarder.Tag("net1", "stale")));
        Assert.Equal(2, Tagged(NftFamily.Ip, "hostports", NftPortForwarder.Tag("net2", "other")));
    }

    [Fact]
    public void Masq_all_and_snat_false_shape_the_masquerade_rules()
    {
        Forwarder().Forward(Request(Mappings + ""","masqAll":true"""));
        Assert.Equal(1, Tagged(NftFamily.Ip, "masquerading", NftPortForwarder.Tag("net1", "ctr1")));
        var noSnat = new FakeNftables();
        new NftPortForwarder(() => noSnat).Forward(Request(Mappings + ""","snat":false"""));
        Assert.Empty(noSnat.ListRules(NftFamily.Ip, NftPortForwarder.Table, "masquerading"));
    }

    [Fact]
    public void Conditions_go_on_the_dispatch_rules()
    {
        Forwarder().Forward(Request(Mappings + ""","conditionsV4":["ip saddr 10.0.0.0/8", "iifname", "!=", "eth9"]"""));
        var plain = new FakeNftables();
        new NftPortForwarder(() => plain).Forward(Request(Mappings));
        var withConditions = _nft.ListRules(NftFamily.Ip, NftPortForwarder.Table, "prerouting").Single();
        var without = plain.ListRules(NftFamily.Ip, NftPortForwarder.Table, "prerouting").Single();
        Assert.True(withConditions.Expressions.Count > without.Expressions.Count + 2, withConditions.ToString());
    }

    [Theory]
    [InlineData("tcp dport 22")]
    [InlineData("ip6 saddr ::1")]
    [InlineData("ip saddr")]
    public void Unsupported_conditions_are_refused(string condition)
    {
        var e = Assert.Throws<CniException>(() => NftConditions.Parse([condition], ipv4: true));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, e.Code);
    }
}

public class IptablesPortForwarderTests
{
    private const string Mappings = ""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":53,"containerPort":5353,"protocol":"udp","hostIP":"192.168.0.2"}]}""";

    private static PortmapRequest Request(string extra = "") => new("net1", "ctr1", "eth0", PortmapConfigTests.Parse(Mappings + extra + PortmapConfigTests.Prev));

    [Fact]
    public void Forward_script_on_an_empty_table_has_the_reference_layout()
    {
        var chain = IptablesPortForwarder.ContainerChain("net1", "ctr1");
        Assert.Equal(28, chain.Length);
        Assert.StartsWith("CNI-DN-", chain, StringComparison.Ordinal);
        var script = IptablesPortForwarder.ForwardScript(IptablesTable.Parse(""), Request(), true, CidrAddress.Parse("10.1.0.5/24"));
        Assert.Equal($"""
            *nat
            :CNI-HOSTPORT-DNAT - [0:0]
            :CNI-HOSTPORT-SETMARK - [0:0]
            :CNI-HOSTPORT-MASQ - [0:0]
            :{chain} - [0:0]
            -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
            -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
            -I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
            -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A CNI-HOSTPORT-DNAT -m comment --comment "dnat name: \"net1\" id: \"ctr1\"" -m multiport -p tcp --destination-ports 8080 -j {chain}
            -A CNI-HOSTPORT-DNAT -m comment --comment "dnat name: \"net1\" id: \"ctr1\"" -m multiport -p udp --destination-ports 53 -j {chain}
            -A {chain} -s 10.1.0.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
            -A {chain} -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
            -A {chain} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80
            -A {chain} -s 10.1.0.0/24 -p udp -m udp --dport 53 -d 192.168.0.2/32 -j CNI-HOSTPORT-SETMARK
            -A {chain} -s 127.0.0.1/32 -p udp -m udp --dport 53 -d 192.168.0.2/32 -j CNI-HOSTPORT-SETMARK
            -A {chain} -p udp -m udp --dport 53 -d 192.168.0.2/32 -j DNAT --to-destination 10.1.0.5:5353
            COMMIT

            """.Replace("\r", "", StringComparison.Ordinal), script);
    }

    [Fact]
    public void Existing_shared_chains_are_not_redeclared_and_stale_jumps_are_replaced()
    {
        var chain = IptablesPortForwarder.ContainerChain("net1", "ctr1");
        var save = $"""
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :CNI-HOSTPORT-DNAT - [0:0]
            :CNI-HOSTPORT-SETMARK - [0:0]
            :CNI-HOSTPORT-MASQ - [0:0]
            -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
            -A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
            -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "old" -m multiport --dports 8080 -j {chain}
            COMMIT
            """;
        var script = IptablesPortForwarder.ForwardScript(IptablesTable.Parse(save), Request(), true, CidrAddress.Parse("10.1.0.5/24"));
        Assert.DoesNotContain(":CNI-HOSTPORT-DNAT", script, StringComparison.Ordinal);
        Assert.DoesNotContain("-A PREROUTING", script, StringComparison.Ordinal);
        Assert.DoesNotContain("-I POSTROUTING", script, StringComparison.Ordinal);
        Assert.Contains($"-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"old\" -m multiport --dports 8080 -j {chain}", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Removal_deletes_jumps_then_the_chain()
    {
        var chain = IptablesPortForwarder.ContainerChain("net1", "ctr1");
        var save = $"*nat\n:CNI-HOSTPORT-DNAT - [0:0]\n:{chain} - [0:0]\n-A CNI-HOSTPORT-DNAT -p tcp -j {chain}\n-A {chain} -j DNAT --to-destination 1.2.3.4:1\nCOMMIT\n";
        var script = IptablesPortForwarder.RemovalScript(IptablesTable.Parse(save), [chain], []).ToString();
        Assert.Equal($"*nat\n-D CNI-HOSTPORT-DNAT -p tcp -j {chain}\n-F {chain}\n-X {chain}\nCOMMIT\n", script);
        Assert.True(IptablesPortForwarder.RemovalScript(IptablesTable.Parse("*nat\nCOMMIT\n"), [chain], []).IsEmpty);
    }

    [Fact]
    public void External_mark_chain_replaces_the_shared_masquerade_chains()
    {
        var config = PortmapConfigTests.Parse(Mappings + ""","externalSetMarkChain":"KUBE-MARK-MASQ" """ + PortmapConfigTests.Prev);
        var script = IptablesPortForwarder.ForwardScript(IptablesTable.Parse(""), new PortmapRequest("net1", "ctr1", "eth0", config), true, CidrAddress.Parse("10.1.0.5/24"));
        Assert.DoesNotContain("CNI-HOSTPORT-SETMARK", script, StringComparison.Ordinal);
        Assert.Contains("-j KUBE-MARK-MASQ", script, StringComparison.Ordinal);
    }
}
