using LibCni.Netfilter;

namespace CniPlugins.Portmap;

/// <summary>Creates the forwarder for a backend.</summary>
public static class Backends
{
    public static IPortForwarder For(PortmapBackend backend) => backend switch
    {
        PortmapBackend.IpTables => new IptablesPortForwarder(IptablesRunner.Instance),
        _ => new NftPortForwarder(NftClient.Open),
    };
}
