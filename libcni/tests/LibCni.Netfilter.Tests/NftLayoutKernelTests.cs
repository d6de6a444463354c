using LibCni.Netfilter;
using LibCni.TestKit;
using LibCni.Types;
using Xunit;
using NftMasquerade = LibCni.Netfilter.Masquerade.NftMasquerade;

namespace LibCni.Masquerade.Tests;

/// <summary>
/// The layouts against the real kernel: what a later ADD sends when it finds its layout in place (only its rules:
/// the kernel's dump of the fixed rules must compare equal to ours), and the repair of a piece removed by hand.
/// </summary>
[Trait("Tier", "Privileged")]
public class NftLayoutKernelTests
{
    [Fact]
    public void A_masquerade_add_with_the_layout_in_place_sends_only_its_rule_and_one_finding_the_goto_gone_restores_it()
    {
        using var ns = TestNetns.Create();
        var log = new List<NftTransaction>();
        var masq = new NftMasquerade(() => new RecordingNftables(NftClient.OpenIn(ns.Path), log));
        masq.Setup("net1", "c1", "eth0", [CidrAddress.Parse("10.0.0.2/24"), CidrAddress.Parse("fd00::2/64")]);
        masq.Setup("net1", "c2", "eth0", [CidrAddress.Parse("10.0.0.3/24"), CidrAddress.Parse("fd00::3/64")]);
        Assert.True(RecordingNftables.OnlyAddsRules(log[^1]), string.Join("; ", log[^1].Commands.Select(c => c.Describe())));

        using (var nft = NftClient.OpenIn(ns.Path))
        {
            nft.Run(new NftTransaction().Delete(nft.ListRules(NftFamily.Inet, NftMasquerade.Table, "postrouting")[2]));
        }

        masq.Setup("net1", "c3", "eth0", [CidrAddress.Parse("10.0.0.4/24")]);
        Assert.Contains(log[^1].Commands, c => c is NftFlushChain);
        var listing = Shell.Run("ip", "netns", "exec", ns.Name, "nft", "list", "chain", "inet", NftMasquerade.Table, "postrouting");
        Assert.Single(listing.Split('\n'), l => l.Contains("goto masq_checks", StringComparison.Ordinal));
        Assert.Equal(5, NftClient.OpenIn(ns.Path).ListRules(NftFamily.Inet, NftMasquerade.Table, NftMasquerade.Chain).Count);
    }

    [Fact]
    public void A_second_macspoofchk_attachment_neither_re_adds_the_base_chain_nor_deletes_anything()
    {
        using var ns = TestNetns.Create();
        var log = new List<NftTransaction>();
        var spoof = new NftSpoofCheck(() => new RecordingNftables(NftClient.OpenIn(ns.Path), log));
        spoof.Setup("veth1", "0a:58:0a:00:00:02", "c1-eth0");
        spoof.Setup("veth2", "0a:58:0a:00:00:03", "c2-eth0");
        var second = log[^1].Commands;
        Assert.DoesNotContain(second, c => c is NftAddTable || (c is NftAddChain a && a.Chain.Name == NftSpoofCheck.BaseChain));
        Assert.DoesNotContain(second, c => c is NftDeleteRule or NftDeleteChain);

        // A repeated ADD of the same attachment finds its chains as they should be and adds just the base jump.
        spoof.Setup("veth2", "0a:58:0a:00:00:03", "c2-eth0");
        Assert.Single(log[^1].Commands);
        var listing = Shell.Run("ip", "netns", "exec", ns.Name, "nft", "list", "table", "bridge", "nat");
        Assert.Contains("ether saddr 0a:58:0a:00:00:03 return comment \"macspoofchk-c2-eth0\"", listing, StringComparison.Ordinal);
    }
}
