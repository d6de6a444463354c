using LibCni.TestKit;
using Xunit;

namespace LibCni.Linux.Tests;

/// <summary>The kernel-feature probes behind KernelFact: each answers what `ip` itself can make here.</summary>
[Trait("Tier", "Privileged")]
public class KernelFeatureTests
{
    [Fact]
    public void Macvlan_is_found_on_every_kernel_we_run_on()
    {
        PrivateHost.Require();
        Assert.True(KernelFeature.Has(KernelFeature.Macvlan));
    }

    [Fact]
    public void Probe_agrees_with_ip_for_dummy()
    {
        PrivateHost.Require();
        var ip = Shell.Exec("unshare", ["-n", "ip", "link", "add", "x0", "type", "dummy"], null, null).ExitCode == 0;
        Assert.Equal(ip, KernelFeature.Has(KernelFeature.Dummy));
    }

    [Fact]
    public void Unknown_feature_is_a_test_bug()
    {
        Assert.Throws<ArgumentException>(() => KernelFeature.Has("warp-drive"));
    }

    public static TheoryData<string> Features => new(KernelFeature.Dummy, KernelFeature.Vlan, KernelFeature.Ipvlan, KernelFeature.Macvlan,
        KernelFeature.Vrf, KernelFeature.BridgeVlanFiltering);

    [Theory]
    [MemberData(nameof(Features))]
    public void Lacks_fact_runs_exactly_where_kernel_fact_skips(string feature)
    {
        PrivateHost.Require();
        var needs = new KernelFactAttribute(feature);
        var lacks = new KernelLacksFactAttribute(feature);
        Assert.Equal(needs.Skip is null, lacks.Skip is not null);
        Assert.Contains(feature, needs.Skip ?? lacks.Skip, StringComparison.Ordinal);
    }

    [Fact]
    public void Lacks_fact_runs_where_any_one_feature_is_missing()
    {
        PrivateHost.Require();
        var all = (string[])[KernelFeature.Macvlan, KernelFeature.Dummy, KernelFeature.BridgeVlanFiltering];
        var anyMissing = KernelFeature.Missing(all).Count > 0;
        Assert.Equal(anyMissing, new KernelLacksFactAttribute(all).Skip is null);
        // Macvlan is everywhere we run: lacking it alone never runs the test.
        Assert.NotNull(new KernelLacksFactAttribute(KernelFeature.Macvlan).Skip);
    }

    /// <summary>The second kernel has every feature (scripts/in-second-kernel loads their modules): the tier fails on this skip otherwise.</summary>
    [KernelFact(KernelFeature.Dummy, KernelFeature.Vlan, KernelFeature.Ipvlan, KernelFeature.Macvlan, KernelFeature.Vrf, KernelFeature.BridgeVlanFiltering)]
    [Trait("Kernel", "Second")]
    public void Second_kernel_has_every_feature()
    {
        PrivateHost.Require();
        Assert.Empty(KernelFeature.Missing([KernelFeature.Dummy, KernelFeature.Vlan, KernelFeature.Ipvlan, KernelFeature.Macvlan, KernelFeature.Vrf,
            KernelFeature.BridgeVlanFiltering]));
        Assert.NotNull(new KernelLacksFactAttribute(KernelFeature.BridgeVlanFiltering).Skip);
    }

    [Fact]
    public void Lacks_fact_without_features_is_a_test_bug()
    {
        Assert.Throws<ArgumentException>(() => new KernelLacksFactAttribute());
    }
}
