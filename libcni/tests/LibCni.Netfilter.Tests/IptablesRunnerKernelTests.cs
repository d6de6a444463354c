using LibCni.Kernel;
using LibCni.Netfilter;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Netfilter.Tests;

/// <summary>
/// IptablesRunner against the real kernel, each test in its own netns: whether a table exists is read from
/// the kernel for both iptables flavours (nft's <c>ip nat</c>, legacy's /proc list), and save and restore
/// go through posix_spawn.
/// </summary>
[Trait("Tier", "Privileged")]
public class IptablesRunnerKernelTests
{
    private static T In<T>(TestNetns ns, Func<T> work) => NetNamespace.Run(ns.Path, work);

    private static void Exec(TestNetns ns, params string[] command) => Shell.Run("ip", ["netns", "exec", ns.Name, .. command], null, null);

    [Fact]
    public void A_fresh_netns_has_no_nat_table_so_teardown_needs_no_iptables_save()
    {
        using var ns = TestNetns.Create();
        Assert.False(In(ns, () => IptablesRunner.KernelHolds(false, "nat")));
        Assert.False(In(ns, () => IptablesRunner.KernelHolds(true, "nat")));
        Assert.False(In(ns, () => new IptablesRunner().HasTable(false, "nat")));
    }

    [Fact]
    public void An_iptables_nft_table_is_seen_in_its_family_only()
    {
        using var ns = TestNetns.Create();
        Exec(ns, "iptables-nft", "-t", "nat", "-N", "CNI-PROBE");
        Assert.True(In(ns, () => IptablesRunner.KernelHolds(false, "nat")));
        Assert.False(In(ns, () => IptablesRunner.KernelHolds(false, "filter")));
        Assert.False(In(ns, () => IptablesRunner.KernelHolds(true, "nat")));

        var runner = new IptablesRunner();
        Assert.True(In(ns, () => runner.HasTable(false, "nat")));
        Assert.True(In(ns, () => runner.SaveNat(false)).HasChain("CNI-PROBE"));
    }

    [Fact]
    public void The_kernel_is_asked_once_per_netns_until_a_restore_of_ours()
    {
        using var first = TestNetns.Create();
        using var second = TestNetns.Create();
        var runner = new IptablesRunner();
        Assert.False(In(first, () => runner.HasTable(false, "nat")));

        // Another netns has its own answer.
        Exec(second, "iptables-nft", "-t", "nat", "-N", "CNI-PROBE");
        Assert.True(In(second, () => runner.HasTable(false, "nat")));

        // A table made behind our back in the first netns is not seen: the first answer is kept...
        Exec(first, "iptables-nft", "-t", "nat", "-N", "CNI-PROBE");
        Assert.False(In(first, () => runner.HasTable(false, "nat")));

        // ...until one of our own restores, which may have made a table, drops every kept answer.
        NetNamespace.Run(second.Path, () => runner.RestoreNat(false, new IptablesScript().DeclareChain("CNI-B").ToString()));
        Assert.True(In(first, () => runner.HasTable(false, "nat")));
    }

    [Fact]
    public void An_iptables_legacy_table_is_seen_through_proc()
    {
        using var ns = TestNetns.Create();
        Exec(ns, "ip6tables-legacy", "-t", "nat", "-N", "CNI-PROBE");
        Assert.True(In(ns, () => IptablesRunner.KernelHolds(true, "nat")));
        Assert.False(In(ns, () => IptablesRunner.KernelHolds(false, "nat")));
    }

    [Fact]
    public void Restore_applies_a_script_and_a_bad_one_fails_naming_the_tool_and_its_error()
    {
        using var ns = TestNetns.Create();
        var runner = new IptablesRunner();
        NetNamespace.Run(ns.Path, () => runner.RestoreNat(false, new IptablesScript().DeclareChain("CNI-A").Line("-A CNI-A -j RETURN").ToString()));
        Assert.Equal(["-j RETURN"], In(ns, () => runner.SaveNat(false)).Rules("CNI-A"));

        var error = Assert.Throws<IOException>(() =>
            NetNamespace.Run(ns.Path, () => runner.RestoreNat(false, new IptablesScript().Line("-A CNI-MISSING -j RETURN").ToString())));
        Assert.Contains("iptables-restore --noflush failed (exit ", error.Message, StringComparison.Ordinal);
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }
}
