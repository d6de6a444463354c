using CniPlugins.Portmap;
using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;

namespace Portmap.Tests;

/// <summary>
/// The reference's (v1.9) portmap layout, pinned from its source (plugins/meta/portmap/portmap_nftables.go,
/// portmap_iptables.go; pkg/utils/utils.go), since v1.9 cannot be installed here. nftables: tables
/// <c>ip|ip6 cni_hostport</c>, chains hostports, hostip_hostports, hostports_all, prerouting, output,
/// masquerading; every per-container rule carries the bare container ID as comment, and CHECK/DEL match
/// the comment exactly (DEL only when the runtime sends portMappings). Ours writes
/// <c>&lt;network hash&gt;-&lt;container ID&gt;</c> instead so DEL and GC never touch another network's rules
/// (the reference has no GC), and reads both: what v1.9 made is checked and removed by ours. v1.9 does not
/// find ours; README "Behaviour worth knowing" says what a rollback to it needs.
/// </summary>
public class ReferenceV19LayoutTests
{
    private readonly FakeNftables _nft = new();

    private const string Mappings = ""","runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]}""";

    private const string V4Prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/c"}],"ips":[{"address":"10.1.0.5/24","interface":0}]}""";

    /// <summary>What v1.9's forwardPorts adds for 10.1.0.5 with the mappings above (snat on, masqAll off).</summary>
    private void MapAsV19(string containerId)
    {
        const NftFamily ip = NftFamily.Ip;
        var container = IpText.Parse("10.1.0.5");
        _nft.Run(new NftTransaction()
            .Add(new NftTable(ip, "cni_hostport") { Comment = "CNI portmap plugin" })
            .Add(new NftChain(ip, "cni_hostport", "hostports"))
            .Add(new NftChain(ip, "cni_hostport", "hostip_hostports"))
            .Add(new NftChain(ip, "cni_hostport", "hostports_all"))
            .Add(new NftChain(ip, "cni_hostport", "masquerading") { Base = new NftBaseChain("nat", NftHook.Postrouting, NftPriority.SrcNat) })
            .Add(new NftRuleBuilder(ip, "cni_hostport", "hostports").Match(NftFields.L4Proto == "tcp").Match(NftFields.ThDport == 8080).Dnat(container, 80).Comment(containerId))
            .Add(new NftRuleBuilder(ip, "cni_hostport", "hostports").Match(NftFields.L4Proto == "udp").Match(NftFields.ThDport == 5353).Dnat(container, 53).Comment(containerId))
            .Add(new NftRuleBuilder(ip, "cni_hostport", "masquerading").Match(NftFields.IpSaddr == container).Match(NftFields.IpDaddr == container).Masquerade().Comment(containerId))
            .Add(new NftRuleBuilder(ip, "cni_hostport", "masquerading").Match(NftFields.IpSaddr == System.Net.IPAddress.Loopback).Match(NftFields.IpDaddr == container).Masquerade().Comment(containerId)));
    }

    [Fact]
    public void Table_and_chain_names_are_the_references()
    {
        Assert.Equal("cni_hostport", NftPortForwarder.Table);
        var tx = NftPortForwarder.ForwardTransaction(new PortmapRequest("net1", "abc", "eth0", PortmapConfigTests.Parse(Mappings + V4Prev)), true, IpText.Parse("10.1.0.5"));
        var chains = tx.Commands.Select(c => c.Describe()).Where(d => d.StartsWith("add chain", StringComparison.Ordinal)).ToList();
        Assert.Equal(["add chain ip cni_hostport hostports", "add chain ip cni_hostport hostip_hostports", "add chain ip cni_hostport hostports_all",
            "add chain ip cni_hostport prerouting", "add chain ip cni_hostport output", "add chain ip cni_hostport masquerading"], chains);
    }

    [Fact]
    public void Our_tag_is_not_the_bare_container_id_v19_looks_for()
    {
        // sha512("podnet") starts fa98a27bbcc17b2e (python3 hashlib), as pkg/utils MustFormatHashWithPrefix(16, "", name).
        Assert.Equal("fa98a27bbcc17b2e-abc", NftPortForwarder.Tag("podnet", "abc"));
        Assert.NotEqual("abc", NftPortForwarder.Tag("podnet", "abc"));
    }

    [Fact]
    public void A_container_v19_mapped_passes_our_check_and_our_del_removes_it()
    {
        MapAsV19("abc");
        var forwarder = new NftPortForwarder(() => _nft);
        var request = new PortmapRequest("podnet", "abc", "eth0", PortmapConfigTests.Parse(Mappings + V4Prev));
        forwarder.Check(request);
        forwarder.Unforward("podnet", "abc");
        Assert.Empty(_nft.ListRules(NftFamily.Ip, "cni_hostport", "hostports"));
        Assert.Empty(_nft.ListRules(NftFamily.Ip, "cni_hostport", "masquerading"));
        Assert.Throws<CniException>(() => forwarder.Check(request));
    }

    [Fact]
    public void Iptables_chain_and_comment_are_the_references() =>
        Assert.Equal(("CNI-DN-0830037e596fec4874866", "dnat name: \"podnet\" id: \"abc\""),
            (IptablesPortForwarder.ContainerChain("podnet", "abc"), IptablesPortForwarder.DnatComment("podnet", "abc")));
}
