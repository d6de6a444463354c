using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Tap;

/// <summary>A validated tap config.</summary>
public sealed record TapConfig
{
    public const string Context = "failed to load netconf";

    public bool MultiQueue { get; init; }

    public int Mtu { get; init; }

    /// <summary>From <c>mac</c>, then CNI_ARGS <c>MAC</c>, then <c>runtimeConfig.mac</c>.</summary>
    public byte[]? Mac { get; init; }

    public uint? Owner { get; init; }

    public uint? Group { get; init; }

    public string? SelinuxContext { get; init; }

    /// <summary>A bridge inside the container the tap joins.</summary>
    public string? Bridge { get; init; }

    public string? IpamType { get; init; }

    public Dns? Dns { get; init; }

    public JsonElement? PrevResult { get; init; }

    /// <summary>
    /// The reference's two creation paths leave different flags: with both owner and group it uses netlink and a
    /// vnet header, otherwise <c>ip tuntap</c> without one. Ours makes the same device either way.
    /// </summary>
    public bool VnetHeader => Owner is not null && Group is not null;

    public static TapConfig Parse(byte[] stdin, CniArgs cniArgs)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var json = conf.Json;
        if (json.Raw("args") is { ValueKind: not JsonValueKind.Object } args)
        {
            throw json.WrongType(json.PathOf("args"), args, "an object");
        }

        var mac = RequestedMac.Resolve(conf, cniArgs, strictArgs: true);
        var mtu = json.Int32("mtu") ?? 0;
        if (mtu < 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid MTU {mtu}", "mtu");
        }

        return new TapConfig
        {
            MultiQueue = json.Bool("multiQueue") ?? false,
            Mtu = mtu,
            Mac = mac,
            Owner = json.UInt32("owner"),
            Group = json.UInt32("group"),
            SelinuxContext = json.String("selinuxContext") is { Length: > 0 } label ? label : null,
            Bridge = json.String("bridge") is { Length: > 0 } bridge ? bridge : null,
            IpamType = string.IsNullOrEmpty(conf.IpamType) ? null : conf.IpamType,
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }
}
