using LibCni.Interfaces;

namespace CniPlugins.Tap;

/// <summary>tap's own kernel work: the device, made in the container over /dev/net/tun.</summary>
public interface ITapKernel
{
    /// <summary>
    /// A persistent tap in the container under a temporary name, renamed <paramref name="ifName"/>, with the config's
    /// MTU and MAC, on its bridge when it names one, and up. Deleted again if any step fails.
    /// </summary>
    LinkRef CreateTap(string netns, string ifName, TapConfig config);
}
