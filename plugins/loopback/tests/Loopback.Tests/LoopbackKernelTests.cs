using System.Text.Json;
using CniPlugins.Loopback;
using LibCni.Kernel;
using LibCni.TestKit;
using Xunit;

namespace Loopback.Tests;

/// <summary>The same operations as the unit tests, against the real kernel in throwaway namespaces.</summary>
[Trait("Tier", "Privileged")]
public class LoopbackKernelTests
{
    [Fact]
    public void Bring_up_then_down_changes_the_real_link()
    {
        using var ns = TestNetns.Create();
        var kernel = new KernelLoopback();
        var state = kernel.BringUp(ns.Path);
        Assert.True(state.Up);
        Assert.Contains(state.Addresses, a => a.ToString() == "127.0.0.1/8");
        Assert.Contains("UP", ns.Ip("-j", "link", "show", "lo"), StringComparison.Ordinal);

        kernel.BringDown(ns.Path);
        using var doc = JsonDocument.Parse(ns.Ip("-j", "link", "show", "lo"));
        Assert.DoesNotContain("UP", doc.RootElement[0].GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.False(kernel.Inspect(ns.Path).Up);
    }

    [Fact]
    public void Bring_down_in_a_missing_netns_is_not_found()
    {
        PrivateHost.Require();
        Assert.Throws<NetnsNotFoundException>(() => new KernelLoopback().BringDown("/run/netns/cnitest-missing"));
    }
}
