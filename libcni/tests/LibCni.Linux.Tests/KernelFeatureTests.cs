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
}
