using System.Globalization;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Vlan;

/// <summary>A validated vlan config: master and IPAM required, the VLAN ID in 0..4094.</summary>
public sealed record VlanConfig
{
    public const string Context = "failed to load netconf";

    public required string Master { get; init; }

    public int VlanId { get; init; }

    public int Mtu { get; init; }

    public bool LinkInContainer { get; init; }

    public required string IpamType { get; init; }

    public Dns? Dns { get; init; }

    public System.Text.Json.JsonElement? PrevResult { get; init; }

    public static VlanConfig Parse(byte[] stdin)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var master = conf.Json.String("master");
        if (string.IsNullOrEmpty(master))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "\"master\" field is required. It specifies the host interface name to create the VLAN for");
        }

        var id = conf.Json.Int32("vlanId") ?? 0;
        if (id is < 0 or > 4094)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid VLAN ID {id.ToString(CultureInfo.InvariantCulture)} (must be between 0 and 4094 inclusive)", $"vlanId {id}");
        }

        return new VlanConfig
        {
            Master = master,
            VlanId = id,
            Mtu = conf.Json.Int32("mtu") ?? 0,
            LinkInContainer = conf.Json.Bool("linkInContainer") ?? false,
            IpamType = string.IsNullOrEmpty(conf.IpamType)
                ? throw new CniException(CniErrorCode.InvalidNetworkConfig, "IPAM config missing 'type' key", "vlan needs an IPAM plugin, e.g. \"ipam\": {\"type\": \"host-local\", ...}")
                : conf.IpamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }
}
