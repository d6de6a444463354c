using LibCni.Types;

namespace CniPlugins.Portmap;

/// <summary>Creates the forwarder for a backend.</summary>
public static class Backends
{
    public static IPortForwarder For(PortmapBackend backend) => throw new CniException(CniErrorCode.InvalidNetworkConfig,
        $"the {backend} backend is not available in this build");
}
