using SpecTests.Cases;
using SpecTests.Kit;
using Xunit;

namespace SpecTests;

/// <summary>Skips a plugin's theory when the directory under test does not hold that plugin.</summary>
public sealed class PluginTheoryAttribute : TheoryAttribute
{
    /// <param name="plugin">The plugin type.</param>
    /// <param name="kernelFeatures">What the kernel must have (LibCni.TestKit.KernelFeature); where it lacks one the
    /// rows are skipped, and the class carries <c>[Trait("Kernel", "Second")]</c> so the second-kernel tier runs them.</param>
    public PluginTheoryAttribute(string plugin, params string[] kernelFeatures)
    {
        if (!SpecSettings.IsPresent(plugin))
        {
            Skip = $"{plugin} is not in {SpecSettings.PluginDir}";
        }
        else if (LibCni.TestKit.KernelFeature.Missing(kernelFeatures) is { Count: > 0 } missing)
        {
            Skip = $"kernel lacks {string.Join(", ", missing)}: runs in the second-kernel tier";
        }
    }
}

// One class per plugin so xunit runs the plugins side by side; each row is one spec rule at one version.
[Trait("Tier", "Spec")]
public class Loopback
{
    [PluginTheory("loopback")]
    [MemberData(nameof(Catalog.For), "loopback", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class HostLocal
{
    [PluginTheory("host-local")]
    [MemberData(nameof(Catalog.For), "host-local", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Bridge
{
    [PluginTheory("bridge")]
    [MemberData(nameof(Catalog.For), "bridge", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Portmap
{
    [PluginTheory("portmap")]
    [MemberData(nameof(Catalog.For), "portmap", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Tuning
{
    [PluginTheory("tuning")]
    [MemberData(nameof(Catalog.For), "tuning", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Firewall
{
    [PluginTheory("firewall")]
    [MemberData(nameof(Catalog.For), "firewall", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Ptp
{
    [PluginTheory("ptp")]
    [MemberData(nameof(Catalog.For), "ptp", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Static
{
    [PluginTheory("static")]
    [MemberData(nameof(Catalog.For), "static", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Bandwidth
{
    [PluginTheory("bandwidth")]
    [MemberData(nameof(Catalog.For), "bandwidth", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Macvlan
{
    [PluginTheory("macvlan")]
    [MemberData(nameof(Catalog.For), "macvlan", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class HostDevice
{
    [PluginTheory("host-device")]
    [MemberData(nameof(Catalog.For), "host-device", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
[Trait("Kernel", "Second")]
public class Ipvlan
{
    [PluginTheory("ipvlan", LibCni.TestKit.KernelFeature.Ipvlan)]
    [MemberData(nameof(Catalog.For), "ipvlan", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
[Trait("Kernel", "Second")]
public class Vlan
{
    [PluginTheory("vlan", LibCni.TestKit.KernelFeature.Vlan)]
    [MemberData(nameof(Catalog.For), "vlan", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
[Trait("Kernel", "Second")]
public class Dummy
{
    [PluginTheory("dummy", LibCni.TestKit.KernelFeature.Dummy)]
    [MemberData(nameof(Catalog.For), "dummy", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Tap
{
    [PluginTheory("tap")]
    [MemberData(nameof(Catalog.For), "tap", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Sbr
{
    [PluginTheory("sbr")]
    [MemberData(nameof(Catalog.For), "sbr", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
[Trait("Kernel", "Second")]
public class Vrf
{
    [PluginTheory("vrf", LibCni.TestKit.KernelFeature.Vrf)]
    [MemberData(nameof(Catalog.For), "vrf", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}

[Trait("Tier", "Spec")]
public class Dhcp
{
    [PluginTheory("dhcp")]
    [MemberData(nameof(Catalog.For), "dhcp", MemberType = typeof(Catalog))]
    public void Spec(string rule) => Conformance.Run(rule);
}
