using CniPlugins.Firewall;
using LibCni.Netfilter;
using LibCni.Types;
using Xunit;

namespace Firewall.Tests;

/// <summary>Rule planning for the iptables backend, byte for byte against the reference's layout (as iptables-save prints it).</summary>
public class IptablesFirewallTests
{
    private static readonly IptablesTable Empty = IptablesTable.Parse("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", "filter");

    [Fact]
    public void First_add_creates_chains_jumps_and_the_address_rules()
    {
        var script = IptablesFirewall.AddScript(Empty, [Confs.Ip("10.0.0.2")], "CNI-ADMIN").ToString();
        Assert.Equal(
            "*filter\n" +
            "-N CNI-FORWARD\n" +
            "-N CNI-ADMIN\n" +
            "-I FORWARD 1 -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD\n" +
            "-I CNI-FORWARD 1 -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN\n" +
            "-A CNI-FORWARD -d 10.0.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n" +
            "-A CNI-FORWARD -s 10.0.0.2/32 -j ACCEPT\n" +
            "COMMIT\n", script);
    }

    [Fact]
    public void Existing_chains_are_never_redeclared_and_present_rules_not_repeated()
    {
        var fake = new FakeIptables();
        var backend = new IptablesFirewall(fake);
        var request = Request(Confs.With(",\"backend\":\"iptables\""));
        backend.Add(request);
        var scripts = fake.Scripts.Count;
        backend.Add(request);
        Assert.Equal(scripts, fake.Scripts.Count);

        // A second container creates nothing and only appends its own rules.
        var second = IptablesFirewall.AddScript(fake.Save(false, "filter"), [Confs.Ip("10.0.0.3")], "CNI-ADMIN").ToString();
        Assert.Equal("*filter\n-A CNI-FORWARD -d 10.0.0.3/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A CNI-FORWARD -s 10.0.0.3/32 -j ACCEPT\nCOMMIT\n", second);
    }

    [Fact]
    public void A_chain_made_by_another_writer_meanwhile_is_not_flushed_the_plan_is_redone()
    {
        var fake = new FakeIptables();
        fake.BeforeNextRestore = () =>
        {
            fake.Tables[false]["CNI-FORWARD"] = ["-s 10.0.0.9/32 -j ACCEPT"];
            fake.Tables[false]["FORWARD"].Insert(0, IptablesFirewall.ForwardJump);
        };
        new IptablesFirewall(fake).Add(Request(Confs.With(prevResult: """{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}""")));
        Assert.Equal(2, fake.Scripts.Count);
        Assert.Equal(
            [IptablesFirewall.AdminJump("CNI-ADMIN"), "-s 10.0.0.9/32 -j ACCEPT", "-d 10.0.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-s 10.0.0.2/32 -j ACCEPT"],
            fake.Tables[false]["CNI-FORWARD"]);
        Assert.Equal([IptablesFirewall.ForwardJump], fake.Tables[false]["FORWARD"]);
    }

    [Fact]
    public void Concurrent_adds_under_the_lock_never_duplicate_jumps()
    {
        var fake = new FakeIptables();
        var lockPath = Path.Combine(Path.GetTempPath(), $"cni-fw-test-{Guid.NewGuid():N}.lock");
        try
        {
            Parallel.For(0, 8, i => new IptablesFirewall(new Serialized(fake), lockPath)
                .Add(Request(Confs.With(prevResult: $$"""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.{{i + 2}}/24"}]}"""), $"c{i}")));
            Assert.Single(fake.Tables[false]["FORWARD"]);
            Assert.Equal(1 + 16, fake.Tables[false]["CNI-FORWARD"].Count);
        }
        finally
        {
            File.Delete(lockPath);
        }
    }

    /// <summary>The fake itself is not thread-safe; each call is atomic, as one iptables-save or -restore is.</summary>
    private sealed class Serialized(FakeIptables inner) : IIptablesTables
    {
        public bool IsAvailable(bool ipv6) => inner.IsAvailable(ipv6);

        public bool HasTable(bool ipv6, string table) => inner.HasTable(ipv6, table);

        public IptablesTable Save(bool ipv6, string table)
        {
            lock (inner)
            {
                return inner.Save(ipv6, table);
            }
        }

        public void Restore(bool ipv6, string script)
        {
            Thread.Sleep(1);
            lock (inner)
            {
                inner.Restore(ipv6, script);
            }
        }
    }

    [Fact]
    public void Both_families_get_their_own_rules_with_host_prefixes()
    {
        var fake = new FakeIptables();
        new IptablesFirewall(fake).Add(Request(Confs.With()));
        Assert.Equal(
            ["-m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN", "-d 10.88.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-s 10.88.0.5/32 -j ACCEPT"],
            fake.Tables[false]["CNI-FORWARD"]);
        Assert.Equal(
            ["-m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN", "-d fd00::5/128 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-s fd00::5/128 -j ACCEPT"],
            fake.Tables[true]["CNI-FORWARD"]);
        Assert.Equal(["-m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"], fake.Tables[true]["FORWARD"]);
    }

    [Fact]
    public void A_family_without_addresses_is_not_touched()
    {
        var fake = new FakeIptables();
        new IptablesFirewall(fake).Add(Request(Confs.With(prevResult: """{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}""")));
        Assert.False(fake.Tables[true].ContainsKey("CNI-FORWARD"));
    }

    [Fact]
    public void Custom_admin_chain_name()
    {
        var fake = new FakeIptables();
        new IptablesFirewall(fake).Add(Request(Confs.With(",\"iptablesAdminChainName\":\"CNI-foobar\"")));
        Assert.True(fake.Tables[false].ContainsKey("CNI-foobar"));
        Assert.Contains("-m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-foobar", fake.Tables[false]["CNI-FORWARD"]);
    }

    [Fact]
    public void Check_finds_every_rule_and_names_a_missing_one()
    {
        var fake = new FakeIptables();
        var backend = new IptablesFirewall(fake);
        var request = Request(Confs.With());
        backend.Add(request);
        backend.Check(request);
        fake.Tables[false]["CNI-FORWARD"].Remove("-s 10.88.0.5/32 -j ACCEPT");
        var e = Assert.Throws<CniException>(() => backend.Check(request));
        Assert.Equal("expected rule -s 10.88.0.5/32 -j ACCEPT not found", e.Message);
        fake.Tables[false]["FORWARD"].Clear();
        Assert.Contains("FORWARD", Assert.Throws<CniException>(() => backend.Check(request)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Del_removes_the_address_rules_and_keeps_chains_and_jumps_and_is_idempotent()
    {
        var fake = new FakeIptables();
        var backend = new IptablesFirewall(fake);
        var request = Request(Confs.With());
        backend.Add(request);
        backend.Add(Request(Confs.With(prevResult: """{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.6/16"}]}""")));
        backend.Del(request);
        Assert.Equal(
            ["-m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN", "-d 10.88.0.6/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-s 10.88.0.6/32 -j ACCEPT"],
            fake.Tables[false]["CNI-FORWARD"]);
        Assert.Single(fake.Tables[false]["FORWARD"]);
        var scripts = fake.Scripts.Count;
        backend.Del(request);
        Assert.Equal(scripts, fake.Scripts.Count);
    }

    [Fact]
    public void Del_without_iptables_does_nothing()
    {
        var fake = new FakeIptables { Available = false };
        new IptablesFirewall(fake).Del(Request(Confs.With()));
        Assert.Empty(fake.Scripts);
    }

    [Fact]
    public void Same_bridge_isolation_is_the_references_layout()
    {
        var script = IptablesFirewall.IsolationScript(Empty, "cni0", isolated: false).ToString();
        Assert.Equal(
            "*filter\n" +
            "-N CNI-ISOLATION-STAGE-1\n" +
            "-N CNI-ISOLATION-STAGE-2\n" +
            "-I FORWARD 1 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j CNI-ISOLATION-STAGE-1\n" +
            "-I CNI-ISOLATION-STAGE-1 1 -i cni0 ! -o cni0 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge)\" -j CNI-ISOLATION-STAGE-2\n" +
            "-A CNI-ISOLATION-STAGE-1 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j RETURN\n" +
            "-I CNI-ISOLATION-STAGE-2 1 -o cni0 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j DROP\n" +
            "-A CNI-ISOLATION-STAGE-2 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j RETURN\n" +
            "COMMIT\n", script);
    }

    [Fact]
    public void Isolation_of_a_second_bridge_goes_before_the_returns_and_the_stage1_jump_before_CNI_FORWARD()
    {
        var fake = new FakeIptables();
        var backend = new IptablesFirewall(fake);
        backend.Add(Request(Confs.With()));
        backend.Isolate("cni0", false, true, false);
        backend.Isolate("cni1", true, true, false);
        backend.Isolate("cni1", true, true, false);
        var t = fake.Tables[false];
        Assert.EndsWith("-j CNI-ISOLATION-STAGE-1", t["FORWARD"][0], StringComparison.Ordinal);
        Assert.EndsWith("-j CNI-FORWARD", t["FORWARD"][1], StringComparison.Ordinal);
        Assert.Equal(2, t["FORWARD"].Count);
        Assert.Equal(
            [
                "-i cni1 -o cni1 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: isolated)\" -j DROP",
                "-i cni1 ! -o cni1 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: isolated)\" -j CNI-ISOLATION-STAGE-2",
                "-i cni0 ! -o cni0 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge)\" -j CNI-ISOLATION-STAGE-2",
                "-m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge|isolated)\" -j RETURN",
            ], t["CNI-ISOLATION-STAGE-1"]);
        Assert.Equal(["-o cni1", "-o cni0", "-m comment"], t["CNI-ISOLATION-STAGE-2"].Select(r => r[..r.IndexOf(' ', 3)]));
        backend.CheckIsolation("cni1", true, true, false);
        Assert.Throws<CniException>(() => backend.CheckIsolation("cni2", false, true, false));
    }

    internal static FirewallRequest Request(string json, string containerId = "ctr1") =>
        new("fwnet", containerId, "eth0", FirewallConfig.Parse(System.Text.Encoding.UTF8.GetBytes(json), "1.0.0"));
}
