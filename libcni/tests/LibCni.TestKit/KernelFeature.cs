using System.Collections.Concurrent;
using Xunit;

namespace LibCni.TestKit;

/// <summary>
/// Kernel features this host may lack (its kernel has no modules): each is probed once by making
/// the link in a throwaway netns. Tests that need one run for real in the second-kernel tier
/// (<c>scripts/in-second-kernel</c>, a user-mode Linux that has them all).
/// </summary>
public static class KernelFeature
{
    public const string Dummy = "dummy";
    public const string Vlan = "vlan";
    public const string Ipvlan = "ipvlan";
    public const string Macvlan = "macvlan";
    public const string Vrf = "vrf";
    public const string BridgeVlanFiltering = "bridge_vlan_filtering";

    private static readonly ConcurrentDictionary<string, bool> Probed = new(StringComparer.Ordinal);

    // Each probe is a shell line run under `unshare -n`, so nothing it makes outlives it.
    private static readonly Dictionary<string, string> Probes = new(StringComparer.Ordinal)
    {
        [Dummy] = "ip link add p0 type dummy",
        [Vlan] = "ip link add p0 type veth peer name p1 && ip link add link p0 name p0.5 type vlan id 5",
        [Ipvlan] = "ip link add p0 type veth peer name p1 && ip link add link p0 name iv0 type ipvlan mode l2",
        [Macvlan] = "ip link add p0 type veth peer name p1 && ip link add link p0 name mv0 type macvlan mode bridge",
        [Vrf] = "ip link add vrf0 type vrf table 10",
        [BridgeVlanFiltering] = "ip link add br0 type bridge vlan_filtering 1",
    };

    public static bool Has(string feature) => Probed.GetOrAdd(feature, f =>
    {
        var line = Probes.TryGetValue(f, out var probe) ? probe : throw new ArgumentException($"unknown kernel feature {f}", nameof(feature));
        return Shell.Exec("unshare", ["-n", "sh", "-c", line], null, null).ExitCode == 0;
    });

    /// <summary>The features of <paramref name="features"/> this kernel lacks.</summary>
    public static IReadOnlyList<string> Missing(IEnumerable<string> features) => features.Where(f => !Has(f)).ToList();
}

/// <summary>
/// A fact that needs kernel features: skipped (and counted as skipped, with the reason) where the kernel
/// lacks one, so it never passes silently. Mark such tests <c>[Trait("Kernel", "Second")]</c> too: the
/// second-kernel tier runs exactly those.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute(params string[] features)
    {
        var missing = KernelFeature.Missing(features);
        if (missing.Count > 0)
        {
            Skip = $"kernel lacks {string.Join(", ", missing)}: runs in the second-kernel tier";
        }
    }
}

/// <summary>The theory form of <see cref="KernelFactAttribute"/>.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute(params string[] features)
    {
        var missing = KernelFeature.Missing(features);
        if (missing.Count > 0)
        {
            Skip = $"kernel lacks {string.Join(", ", missing)}: runs in the second-kernel tier";
        }
    }
}

/// <summary>
/// The opposite of <see cref="KernelFactAttribute"/>: a fact about how code behaves on a kernel that lacks
/// features (a clean refusal, say). It runs only where at least one of the named features is missing and
/// is skipped, with the reason, where the kernel has them all (as in the second-kernel tier).
/// </summary>
public sealed class KernelLacksFactAttribute : FactAttribute
{
    public KernelLacksFactAttribute(params string[] features)
    {
        if (features.Length == 0)
        {
            throw new ArgumentException("name the kernel features whose absence the test is about", nameof(features));
        }

        if (KernelFeature.Missing(features).Count == 0)
        {
            Skip = $"kernel has {string.Join(", ", features)}: this test is about kernels that lack them";
        }
    }
}
