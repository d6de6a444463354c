using System.Net;
using System.Net.Sockets;
using CniPlugins.Dhcp.Gob;
using LibCni.Types;
using Dns = LibCni.Types.Dns;

namespace CniPlugins.Dhcp.Rpc;

/// <summary>What the plugin hands the daemon: the reference's skel.CmdArgs, field for field.</summary>
public sealed record AllocateArgs(string ContainerId, string Netns, string IfName, string Args, string Path, byte[] StdinData)
{
    public string NetnsOverride { get; init; } = "";
}

/// <summary>
/// The Go types of the reference's RPC (net/rpc's Request/Response, skel.CmdArgs, types100.Result) as gob schemas,
/// and the mapping between them and ours. Field names and order are Go's, and so are the type names: they only
/// label definitions, but byte-identical output needs them.
/// </summary>
public static class RpcTypes
{
    public const string AllocateMethod = "DHCP.Allocate";
    public const string ReleaseMethod = "DHCP.Release";

    /// <summary>Ours only (the reference daemon has no GC): args as for Release, StdinData carries the valid attachments.</summary>
    public const string GcMethod = "DHCP.GC";

    public static readonly GobStructType Request = new("Request", ("ServiceMethod", GobType.String), ("Seq", GobType.Uint));

    public static readonly GobStructType Response = new("Response", ("ServiceMethod", GobType.String), ("Seq", GobType.Uint), ("Error", GobType.String));

    public static readonly GobStructType CmdArgs = new("CmdArgs",
        ("ContainerID", GobType.String), ("Netns", GobType.String), ("IfName", GobType.String), ("Args", GobType.String),
        ("Path", GobType.String), ("NetnsOverride", GobType.String), ("StdinData", GobType.Bytes));

    /// <summary>Release's reply and the body of every error response (net/rpc's invalidRequest).</summary>
    public static readonly GobStructType Empty = new("");

    // Go names a definition only for a named type used directly: struct{} and the element types behind []*T get none.
    private static readonly GobStructType Interface = new("",
        ("Name", GobType.String), ("Mac", GobType.String), ("Mtu", GobType.Int), ("Sandbox", GobType.String),
        ("SocketPath", GobType.String), ("PciID", GobType.String));

    private static readonly GobStructType IpNet = new("IPNet", ("IP", GobType.Bytes), ("Mask", GobType.Bytes));

    private static readonly GobStructType IpConfig = new("", ("Interface", GobType.Int), ("Address", IpNet), ("Gateway", GobType.Bytes));

    private static readonly GobStructType RouteType = new("",
        ("Dst", IpNet), ("GW", GobType.Bytes), ("MTU", GobType.Int), ("AdvMSS", GobType.Int), ("Priority", GobType.Int),
        ("Table", GobType.Int), ("Scope", GobType.Int));

    private static readonly GobSliceType Strings = new("[]string", GobType.String);

    private static readonly GobStructType DnsType = new("DNS",
        ("Nameservers", Strings), ("Domain", GobType.String), ("Search", Strings), ("Options", Strings));

    public static readonly GobStructType Result = new("Result",
        ("CNIVersion", GobType.String), ("Interfaces", new GobSliceType("[]*types100.Interface", Interface)),
        ("IPs", new GobSliceType("[]*types100.IPConfig", IpConfig)), ("Routes", new GobSliceType("[]*types.Route", RouteType)),
        ("DNS", DnsType));

    public static GobStruct Call(string method, ulong seq) => Struct(("ServiceMethod", Str(method)), ("Seq", new GobUint(seq)));

    public static GobStruct Reply(string method, ulong seq, string error) =>
        Struct(("ServiceMethod", Str(method)), ("Seq", new GobUint(seq)), ("Error", Str(error)));

    public static GobStruct EncodeArgs(AllocateArgs args) => Struct(
        ("ContainerID", Str(args.ContainerId)), ("Netns", Str(args.Netns)), ("IfName", Str(args.IfName)), ("Args", Str(args.Args)),
        ("Path", Str(args.Path)), ("NetnsOverride", Str(args.NetnsOverride)), ("StdinData", new GobBytes(args.StdinData)));

    public static AllocateArgs DecodeArgs(GobStruct value) =>
        new(value.String("ContainerID"), value.String("Netns"), value.String("IfName"), value.String("Args"), value.String("Path"), value.Bytes("StdinData"))
        {
            NetnsOverride = value.String("NetnsOverride"),
        };

    /// <summary>
    /// types100.Result as gob carries it. A pointer to zero (interface index 0, table 0, scope 0) cannot be told
    /// from nil in gob, so those are lost here exactly as between two Go processes.
    /// </summary>
    public static GobStruct EncodeResult(Result100 result)
    {
        var fields = new List<(string, GobValue)>
        {
            ("CNIVersion", Str(result.CniVersion)),
            ("Interfaces", new GobList([.. (result.Interfaces ?? []).Select(i => (GobValue)Struct(
                ("Name", Str(i.Name)), ("Mac", Str(i.Mac ?? "")), ("Mtu", new GobInt(i.Mtu)), ("Sandbox", Str(i.Sandbox ?? "")),
                ("SocketPath", Str(i.SocketPath ?? "")), ("PciID", Str(i.PciId ?? ""))))])),
            ("IPs", new GobList([.. (result.Ips ?? []).Select(ip => (GobValue)Struct(
                ("Interface", new GobInt(ip.Interface ?? 0)), ("Address", Net(ip.Address)), ("Gateway", Ip(ip.Gateway))))])),
            ("Routes", new GobList([.. (result.Routes ?? []).Select(r => (GobValue)Struct(
                ("Dst", Net(r.Dst)), ("GW", Ip(r.Gw)), ("MTU", new GobInt(r.Mtu)), ("AdvMSS", new GobInt(r.AdvMss)),
                ("Priority", new GobInt(r.Priority)), ("Table", new GobInt(r.Table ?? 0)), ("Scope", new GobInt(r.Scope ?? 0))))])),
        };
        var dns = result.Dns ?? new Dns();
        fields.Add(("DNS", Struct(
            ("Nameservers", StrList(dns.Nameservers)), ("Domain", Str(dns.Domain ?? "")), ("Search", StrList(dns.Search)),
            ("Options", StrList(dns.Options)))));
        return Struct([.. fields]);
    }

    public static Result100 DecodeResult(GobStruct value)
    {
        var result = new Result100();
        if (value.String("CNIVersion") is { Length: > 0 } version)
        {
            result.CniVersion = version;
        }

        result.Interfaces = [.. value.List("Interfaces").OfType<GobStruct>().Select(i => new Interface100
        {
            Name = i.String("Name"),
            Mac = NullIfEmpty(i.String("Mac")),
            Mtu = (int)i.Int("Mtu"),
            Sandbox = NullIfEmpty(i.String("Sandbox")),
            SocketPath = NullIfEmpty(i.String("SocketPath")),
            PciId = NullIfEmpty(i.String("PciID")),
        })];
        result.Ips = [.. value.List("IPs").OfType<GobStruct>().Select(ip => new IpConfig100
        {
            Interface = ip.Has("Interface") ? (int)ip.Int("Interface") : null,
            Address = ToCidr(ip.Struct("Address")),
            Gateway = ToIp(ip.Bytes("Gateway")),
        })];
        result.Routes = [.. value.List("Routes").OfType<GobStruct>().Select(r => new Route
        {
            Dst = ToCidr(r.Struct("Dst")),
            Gw = ToIp(r.Bytes("GW")),
            Mtu = (int)r.Int("MTU"),
            AdvMss = (int)r.Int("AdvMSS"),
            Priority = (int)r.Int("Priority"),
            Table = r.Has("Table") ? (int)r.Int("Table") : null,
            Scope = r.Has("Scope") ? (int)r.Int("Scope") : null,
        })];
        if (value.Struct("DNS") is { } dns)
        {
            result.Dns = new Dns
            {
                Nameservers = Strs(dns.List("Nameservers")),
                Domain = NullIfEmpty(dns.String("Domain")),
                Search = Strs(dns.List("Search")),
                Options = Strs(dns.List("Options")),
            };
        }

        return result.Normalized();
    }

    private static GobStruct Struct(params (string Name, GobValue Value)[] fields) => new(fields.ToDictionary(f => f.Name, f => f.Value));

    private static GobBytes Str(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    private static GobList StrList(List<string>? items) => new([.. (items ?? []).Select(s => (GobValue)Str(s))]);

    private static List<string>? Strs(List<GobValue> items) => items.Count == 0 ? null : [.. items.OfType<GobBytes>().Select(b => b.Text)];

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    /// <summary>Go's net.IPNet holds the IP in 4- or 16-byte form and the mask at the family's width.</summary>
    private static GobStruct Net(CidrAddress cidr)
    {
        var bits = cidr.IsV4 ? 32 : 128;
        var mask = new byte[bits / 8];
        for (var i = 0; i < cidr.PrefixLength; i++)
        {
            mask[i / 8] |= (byte)(0x80 >> (i % 8));
        }

        return Struct(("IP", new GobBytes(cidr.Address.GetAddressBytes())), ("Mask", new GobBytes(mask)));
    }

    private static GobBytes Ip(IPAddress? address) => new(address?.GetAddressBytes() ?? []);

    private static IPAddress? ToIp(byte[] bytes) => bytes.Length switch
    {
        4 => new IPAddress(bytes),
        16 => new IPAddress(bytes) is var v6 && v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : new IPAddress(bytes),
        _ => null,
    };

    private static CidrAddress ToCidr(GobStruct? net)
    {
        var ip = ToIp(net?.Bytes("IP") ?? []) ?? IPAddress.Any;
        var mask = net?.Bytes("Mask") ?? [];
        var ones = 0;
        foreach (var b in mask)
        {
            ones += System.Numerics.BitOperations.PopCount(b);
        }

        // A 16-byte mask on a v4 address (Go's To16 form) counts only its last 32 bits.
        if (ip.AddressFamily == AddressFamily.InterNetwork && mask.Length == 16)
        {
            ones -= 96;
        }

        return new CidrAddress(ip, Math.Max(ones, 0));
    }
}
