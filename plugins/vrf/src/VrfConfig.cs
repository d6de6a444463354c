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

        if (name.Length > 15 || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace) || name is "." or "..")
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"vrfname \"{name}\" is not a valid interface name", "at most 15 characters, no '/' or whitespace");
        }

        var prevResult = conf.ReadPrevResult(configVersion);

        return new VrfConfig { VrfName = name, Table = conf.Json.UInt32("table") ?? 0, PrevResult = prevResult };
    }
}
