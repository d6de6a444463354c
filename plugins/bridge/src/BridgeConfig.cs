using System.Globalization;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Netfilter.Masquerade;
using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>The bridge plugin's config as JSON; <see cref="BridgeConfig"/> is the validated form.</summary>
public sealed class BridgeNetConf : NetConf
{
    public string? Bridge { get; set; }

    public bool IsGateway { get; set; }

    public bool IsDefaultGateway { get; set; }

    public bool ForceAddress { get; set; }

    public bool IpMasq { get; set; }

    public string? IpMasqBackend { get; set; }

    public int Mtu { get; set; }

    public bool HairpinMode { get; set; }

    public bool PromiscMode { get; set; }

    public int Vlan { get; set; }

    public List<VlanTrunkEntry>? VlanTrunk { get; set; }

    public bool? PreserveDefaultVlan { get; set; }

    public bool MacSpoofCheck { get; set; }

    public bool EnableDad { get; set; }

    public bool DisableContainerInterface { get; set; }

    public bool PortIsolation { get; set; }

    public static new BridgeNetConf Read(JsonFields json)
    {
        var conf = new BridgeNetConf();
        conf.ReadShared(json);
        conf.Bridge = json.String("bridge");
        conf.IsGateway = json.Bool("isGateway") ?? false;
        conf.IsDefaultGateway = json.Bool("isDefaultGateway") ?? false;
        conf.ForceAddress = json.Bool("forceAddress") ?? false;
        conf.IpMasq = json.Bool("ipMasq") ?? false;
        conf.IpMasqBackend = json.String("ipMasqBackend");
        conf.Mtu = json.Int32("mtu") ?? 0;
        conf.HairpinMode = json.Bool("hairpinMode") ?? false;
        conf.PromiscMode = json.Bool("promiscMode") ?? false;
        conf.Vlan = json.Int32("vlan") ?? 0;
        conf.VlanTrunk = json.Objects("vlanTrunk", entry => new VlanTrunkEntry
        {
            MinId = entry.Int32("minID"),
            MaxId = entry.Int32("maxID"),
            Id = entry.Int32("id"),
        });
        conf.PreserveDefaultVlan = json.Bool("preserveDefaultVlan");
        conf.MacSpoofCheck = json.Bool("macspoofchk") ?? false;
        conf.EnableDad = json.Bool("enabledad") ?? false;
        conf.DisableContainerInterface = json.Bool("disableContainerInterface") ?? false;
        conf.PortIsolation = json.Bool("portIsolation") ?? false;
        return conf;
    }
}

public sealed class VlanTrunkEntry
{
    public int? MinId { get; set; }

    public int? MaxId { get; set; }

    public int? Id { get; set; }
}

/// <summary>A validated bridge configuration. Every rule here is checked before anything is changed.</summary>
public sealed record BridgeConfig
{
    public const string DefaultBridgeName = "cni0";

    public required string NetworkName { get; init; }

    public required string CniVersion { get; init; }

    public string BridgeName { get; init; } = DefaultBridgeName;

    public bool IsGateway { get; init; }

    public bool IsDefaultGateway { get; init; }

    public bool ForceAddress { get; init; }

    public bool IpMasq { get; init; }

    /// <summary>The ipMasqBackend asked for; null: nftables where it works, else iptables (decided at ADD).</summary>
    public MasqueradeBackend? MasqBackend { get; init; }

    public int Mtu { get; init; }

    public bool HairpinMode { get; init; }

    public bool PromiscMode { get; init; }

    public int Vlan { get; init; }

    /// <summary>Sorted, de-duplicated trunk VLAN ids; empty when no trunk is configured.</summary>
    public IReadOnlyList<int> TrunkVlans { get; init; } = [];

    public bool HasTrunk { get; init; }

    public bool PreserveDefaultVlan { get; init; }

    public bool MacSpoofCheck { get; init; }

    public bool EnableDad { get; init; }

    public bool DisableContainerInterface { get; init; }

    public bool PortIsolation { get; init; }

    /// <summary>The container MAC asked for, by CNI_ARGS MAC, args.cni.mac or runtimeConfig.mac (highest wins).</summary>
    public byte[]? Mac { get; init; }

    public string? IpamType { get; init; }

    public Dns? Dns { get; init; }

    public JsonElement? PrevResult { get; init; }

    public bool IsLayer3 => IpamType is not null;

    public bool VlanFiltering => Vlan != 0 || HasTrunk;

    /// <summary>Parses and validates stdin plus CNI_ARGS. Throws <see cref="CniException"/> naming the field and value.</summary>
    public static BridgeConfig Parse(byte[] stdin, CniArgs args)
    {
        var conf = CniJson.Decode(stdin, BridgeNetConf.Read, "failed to load netconf");

        if (conf.Vlan is < 0 or > 4094)
        {
            throw Invalid($"invalid VLAN ID {conf.Vlan} (must be between 0 and 4094)", "vlan", conf.Vlan);
        }

        var trunk = CollectTrunk(conf.VlanTrunk);
        if (conf.HairpinMode && conf.PromiscMode)
        {
            throw Invalid("cannot set hairpin mode and promiscuous mode at the same time", "hairpinMode", true);
        }

        var ipamType = conf.IpamType;
        if (conf.DisableContainerInterface && ipamType is not null)
        {
            throw Invalid("cannot use IPAM when DisableContainerInterface flag is set", "ipam.type", ipamType);
        }

        var backend = Masquerading.ParseBackend(conf.IpMasqBackend);

        args.RequireKnownKeys("MAC");
        var macText = args.Get("MAC");
        if (conf.ArgsCniString("mac") is { Length: > 0 } argsMac)
        {
            macText = argsMac;
        }

        if (conf.RuntimeConfigString("mac") is { Length: > 0 } runtimeMac)
        {
            macText = runtimeMac;
        }

        var bridgeName = string.IsNullOrEmpty(conf.Bridge) ? DefaultBridgeName : conf.Bridge;
        if (System.Text.Encoding.UTF8.GetByteCount(bridgeName) > Identifiers.MaxInterfaceNameLength || bridgeName.Contains('/') || bridgeName.Any(char.IsWhiteSpace))
        {
            throw Invalid($"invalid bridge name \"{bridgeName}\"", "bridge", bridgeName);
        }

        if (conf.Mtu < 0)
        {
            throw Invalid($"invalid MTU {conf.Mtu}", "mtu", conf.Mtu);
        }

        return new BridgeConfig
        {
            NetworkName = conf.Name ?? "",
            CniVersion = conf.CniVersion ?? "",
            BridgeName = bridgeName,
            IsGateway = conf.IsGateway || conf.IsDefaultGateway,
            IsDefaultGateway = conf.IsDefaultGateway,
            ForceAddress = conf.ForceAddress,
            IpMasq = conf.IpMasq,
            MasqBackend = backend,
            Mtu = conf.Mtu,
            HairpinMode = conf.HairpinMode,
            PromiscMode = conf.PromiscMode,
            Vlan = conf.Vlan,
            TrunkVlans = trunk,
            HasTrunk = trunk.Count > 0,
            PreserveDefaultVlan = conf.PreserveDefaultVlan ?? false,
            MacSpoofCheck = conf.MacSpoofCheck,
            EnableDad = conf.EnableDad,
            DisableContainerInterface = conf.DisableContainerInterface,
            PortIsolation = conf.PortIsolation,
            Mac = macText is null ? null : MacAddress.ParseInterfaceMac(macText),
            IpamType = ipamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }

    /// <summary>
    /// What DEL needs from a config that <see cref="Parse"/> refuses (a value out of range, options in
    /// conflict, an unknown CNI_ARGS key): the network, the IPAM type, ipMasq and macspoofchk. DEL then
    /// still releases the address, the veth and the rules, which an ADD by another implementation made.
    /// </summary>
    public static BridgeConfig ParseForTeardown(byte[] stdin)
    {
        var conf = CniJson.Decode(stdin, BridgeNetConf.Read, "failed to load netconf");

        return new BridgeConfig
        {
            NetworkName = conf.Name ?? "",
            CniVersion = conf.CniVersion ?? "",
            IpMasq = conf.IpMasq,
            MacSpoofCheck = conf.MacSpoofCheck,
            IpamType = conf.IpamType,
        };
    }

    /// <summary>The trunk list as the reference reads it: ranges and single ids, merged and sorted.</summary>
    public static IReadOnlyList<int> CollectTrunk(IReadOnlyList<VlanTrunkEntry>? entries)
    {
        var vlans = new SortedSet<int>();
        foreach (var entry in entries ?? [])
        {
            switch (entry.MinId, entry.MaxId)
            {
                case ({ } min, { } max):
                    if (min is <= 0 or > 4094)
                    {
                        throw Invalid("incorrect trunk minID parameter", "vlanTrunk.minID", min);
                    }

                    if (max is <= 0 or > 4094)
                    {
                        throw Invalid("incorrect trunk maxID parameter", "vlanTrunk.maxID", max);
                    }

                    if (max < min)
                    {
                        throw Invalid("minID is greater than maxID in trunk parameter", "vlanTrunk", $"{min}-{max}");
                    }

                    for (var v = min; v <= max; v++)
                    {
                        vlans.Add(v);
                    }

                    break;
                case (null, { } max):
                    throw Invalid("minID and maxID should be configured simultaneously, minID is missing", "vlanTrunk.maxID", max);
                case ({ } min, null):
                    throw Invalid("minID and maxID should be configured simultaneously, maxID is missing", "vlanTrunk.minID", min);
            }

            if (entry.Id is { } id)
            {
                if (id is <= 0 or > 4094)
                {
                    throw Invalid("incorrect trunk id parameter", "vlanTrunk.id", id);
                }

                vlans.Add(id);
            }
        }

        return [.. vlans];
    }

    private static CniException Invalid(string message, string field, object value) =>
        new(CniErrorCode.InvalidNetworkConfig, message, $"{field}={Convert.ToString(value, CultureInfo.InvariantCulture)}");
}
