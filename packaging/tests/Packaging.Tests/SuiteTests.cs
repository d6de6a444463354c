using LibCni.TestKit;

namespace Packaging.Tests;

/// <summary>
/// The suite as a whole: every Linux plugin of containernetworking/plugins v1.9 (plugins/main, plugins/ipam and
/// plugins/meta, the Windows ones aside) is built into dist/bin and shipped in the tarball, the .deb and the image,
/// so a node can swap the reference's package for ours and lose nothing.
/// </summary>
[Trait("Tier", "Packaging")]
public class SuiteTests(UnpackedImage image) : IClassFixture<UnpackedImage>
{
    public static readonly IReadOnlyList<string> ReferenceLinuxPlugins =
    [
        "bridge", "dummy", "host-device", "ipvlan", "loopback", "macvlan", "ptp", "tap", "vlan",
        "dhcp", "host-local", "static",
        "bandwidth", "firewall", "portmap", "sbr", "tuning", "vrf",
    ];

    public static TheoryData<string> Plugins() => new(ReferenceLinuxPlugins);

    private static readonly Lazy<HashSet<string>> TarballFiles = new(() =>
        TarballTests.ReadEntries(Artifacts.Tarball).Select(e => e.Name.TrimStart('.', '/')).ToHashSet(StringComparer.Ordinal));

    private static readonly Lazy<string[]> DebListing = new(() =>
        Shell.Run("dpkg-deb", "-c", Artifacts.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries));

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Every_reference_plugin_is_in_dist_bin_the_tarball_the_deb_and_the_image(string plugin)
    {
        Assert.Contains(plugin, Artifacts.Plugins);
        Assert.Contains(plugin, TarballFiles.Value);
        Assert.Contains(DebListing.Value, l => l.EndsWith(" ./opt/cni/bin/" + plugin, StringComparison.Ordinal));
        Assert.True(File.Exists(image.InRootfs("/opt/cni/bin-staging/" + plugin)), $"{plugin} is not staged in the image");
    }

    [Fact]
    public void Dist_bin_holds_nothing_but_the_reference_plugins_and_our_tools()
    {
        var tools = new[] { "cnitool" };
        Assert.Empty(Artifacts.Plugins.Except(ReferenceLinuxPlugins).Except(tools));
    }
}
