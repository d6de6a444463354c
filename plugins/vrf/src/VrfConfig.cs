using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Vrf;

/// <summary>vrf's configuration: the VRF's name (required) and its table (0: the first free one).</summary>
public sealed record VrfConfig
{
    public const string Context = "failed to load netconf";

    public required string VrfName { get; init; }

    public uint Table { get; init; }

    public ICniResult? PrevResult { get; init; }

    public static VrfConfig Parse(byte[] stdin, string configVersion)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var name = conf.Json.String("vrfname");
        if (string.IsNullOrEmpty(name))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "configuration is expected to have a valid vrf name", "\"vrfname\" is missing or empty");
        }

        try
        {
            Identifiers.ValidateInterfaceName(name); // the VRF is a link: the kernel's interface-name rules
        }
        catch (CniException e)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"vrfname \"{name}\": {e.Message}", e.Details);
        }

        var prevResult = conf.ReadPrevResult(configVersion);

        return new VrfConfig { VrfName = name, Table = conf.Json.UInt32("table") ?? 0, PrevResult = prevResult };
    }
}
