using System.Net;
using Dns = LibCni.Types.Dns;
using System.Text.Json;
using LibCni.Types;

namespace LibCni.Json;

/// <summary>
/// Reads and writes the spec's own objects (results of every family, routes, dns, errors, VERSION output) by
/// hand, with the reference's key order and omit-empty rules. Readers follow <see cref="JsonFields"/>'s Go rules.
/// </summary>
public static class SpecJson
{
    public static Dns ReadDns(JsonFields json) => new()
    {
        Nameservers = json.Strings("nameservers"),
        Domain = json.String("domain"),
        Search = json.Strings("search"),
        Options = json.Strings("options"),
    };

    public static Route ReadRoute(JsonFields json) => ReadRoute(json, requireDst: true);

    /// <summary>A route; without <paramref name="requireDst"/> a missing dst is left unset for the caller's own check.</summary>
    public static Route ReadRoute(JsonFields json, bool requireDst) => new()
    {
        Dst = json.Cidr("dst") ?? (requireDst ? throw Missing(json, "dst") : default),
        Gw = json.Ip("gw"),
        Mtu = json.Int32("mtu") ?? 0,
        AdvMss = json.Int32("advmss") ?? 0,
        Priority = json.Int32("priority") ?? 0,
        Table = json.Int32("table"),
        Scope = json.Int32("scope"),
    };

    public static Result100 ReadResult100(JsonFields json) => new()
    {
        Dns = json.Object("dns") is { } dns ? ReadDns(dns) : null,
        Interfaces = json.Objects("interfaces", i => new Interface100
        {
            Mac = i.String("mac"),
            Mtu = i.Int32("mtu") ?? 0,
            Name = i.String("name") ?? "",
            PciId = i.String("pciID"),
            Sandbox = i.String("sandbox"),
            SocketPath = i.String("socketPath"),
        }),
        Ips = json.Objects("ips", ip => new IpConfig100
        {
            Address = ip.Cidr("address") ?? throw Missing(ip, "address"),
            Gateway = ip.Ip("gateway"),
            Interface = ip.Int32("interface"),
        }),
        Routes = json.Objects("routes", ReadRoute),
    };

    public static Result040 ReadResult040(JsonFields json) => new()
    {
        Interfaces = json.Objects("interfaces", i => new Interface040
        {
            Name = i.String("name") ?? "",
            Mac = i.String("mac"),
            Sandbox = i.String("sandbox"),
        }),
        Ips = json.Objects("ips", ip => new IpConfig040
        {
            Version = ip.String("version") ?? "",
            Interface = ip.Int32("interface"),
            Address = ip.Cidr("address") ?? throw Missing(ip, "address"),
            Gateway = ip.Ip("gateway"),
        }),
        Routes = json.Objects("routes", ReadRoute),
        Dns = json.Object("dns") is { } dns ? ReadDns(dns) : new Dns(),
    };

    public static Result020 ReadResult020(JsonFields json) => new()
    {
        Ip4 = json.Object("ip4") is { } ip4 ? ReadIpConfig020(ip4) : null,
        Ip6 = json.Object("ip6") is { } ip6 ? ReadIpConfig020(ip6) : null,
        Dns = json.Object("dns") is { } dns ? ReadDns(dns) : new Dns(),
    };

    public static CniError ReadError(JsonFields json) => new()
    {
        CniVersion = json.String("cniVersion"),
        Code = json.Int32("code") ?? 0,
        Msg = json.String("msg") ?? "",
        Details = json.String("details"),
    };

    public static VersionInfo ReadVersionInfo(JsonFields json) => new()
    {
        CniVersion = json.String("cniVersion") ?? "",
        SupportedVersions = json.Strings("supportedVersions"),
    };

    /// <summary>A result in its own family's shape; 1.x and 0.3/0.4 results are normalized first (empty lists dropped).</summary>
    public static void WriteResult(Utf8JsonWriter writer, ICniResult result)
    {
        switch (result)
        {
            case Result100 r:
                Write100(writer, r.Normalized());
                break;
            case Result040 r:
                Write040(writer, r.Normalized());
                break;
            case Result020 r:
                Write020(writer, r);
                break;
            default:
                throw new ArgumentException($"unknown result type {result.GetType().Name}", nameof(result));
        }
    }

    public static void WriteError(Utf8JsonWriter writer, CniError error)
    {
        writer.WriteStartObject();
        StringIfSet(writer, "cniVersion", error.CniVersion);
        writer.WriteNumber("code", error.Code);
        writer.WriteString("msg", error.Msg);
        StringIfSet(writer, "details", error.Details);
        writer.WriteEndObject();
    }

    public static void WriteVersionInfo(Utf8JsonWriter writer, VersionInfo info)
    {
        writer.WriteStartObject();
        writer.WriteString("cniVersion", info.CniVersion);
        writer.WritePropertyName("supportedVersions");
        StringList(writer, info.SupportedVersions);
        writer.WriteEndObject();
    }

    public static void WriteDns(Utf8JsonWriter writer, Dns dns)
    {
        writer.WriteStartObject();
        StringListIfSet(writer, "nameservers", dns.Nameservers);
        StringIfSet(writer, "domain", dns.Domain);
        StringListIfSet(writer, "search", dns.Search);
        StringListIfSet(writer, "options", dns.Options);
        writer.WriteEndObject();
    }

    public static void WriteRoute(Utf8JsonWriter writer, Route route)
    {
        writer.WriteStartObject();
        writer.WriteString("dst", route.Dst.ToString());
        IpIfSet(writer, "gw", route.Gw);
        NumberIfNonZero(writer, "mtu", route.Mtu);
        NumberIfNonZero(writer, "advmss", route.AdvMss);
        NumberIfNonZero(writer, "priority", route.Priority);
        NumberIfSet(writer, "table", route.Table);
        NumberIfSet(writer, "scope", route.Scope);
        writer.WriteEndObject();
    }

    // Key order is the reference's for 1.x: alphabetical, from its map round trip.
    private static void Write100(Utf8JsonWriter writer, Result100 r)
    {
        writer.WriteStartObject();
        writer.WriteString("cniVersion", r.CniVersion);
        if (r.Dns is { } dns)
        {
            writer.WritePropertyName("dns");
            WriteDns(writer, dns);
        }

        ListIfSet(writer, "interfaces", r.Interfaces, (w, i) =>
        {
            w.WriteStartObject();
            StringIfSet(w, "mac", i.Mac);
            NumberIfNonZero(w, "mtu", i.Mtu);
            w.WriteString("name", i.Name);
            StringIfSet(w, "pciID", i.PciId);
            StringIfSet(w, "sandbox", i.Sandbox);
            StringIfSet(w, "socketPath", i.SocketPath);
            w.WriteEndObject();
        });
        ListIfSet(writer, "ips", r.Ips, (w, ip) =>
        {
            w.WriteStartObject();
            w.WriteString("address", ip.Address.ToString());
            IpIfSet(w, "gateway", ip.Gateway);
            NumberIfSet(w, "interface", ip.Interface);
            w.WriteEndObject();
        });
        ListIfSet(writer, "routes", r.Routes, WriteRoute);
        writer.WriteEndObject();
    }

    private static void Write040(Utf8JsonWriter writer, Result040 r)
    {
        writer.WriteStartObject();
        writer.WriteString("cniVersion", r.CniVersion);
        ListIfSet(writer, "interfaces", r.Interfaces, (w, i) =>
        {
            w.WriteStartObject();
            w.WriteString("name", i.Name);
            StringIfSet(w, "mac", i.Mac);
            StringIfSet(w, "sandbox", i.Sandbox);
            w.WriteEndObject();
        });
        ListIfSet(writer, "ips", r.Ips, (w, ip) =>
        {
            w.WriteStartObject();
            w.WriteString("version", ip.Version);
            NumberIfSet(w, "interface", ip.Interface);
            w.WriteString("address", ip.Address.ToString());
            IpIfSet(w, "gateway", ip.Gateway);
            w.WriteEndObject();
        });
        ListIfSet(writer, "routes", r.Routes, WriteRoute);
        writer.WritePropertyName("dns");
        WriteDns(writer, r.Dns);
        writer.WriteEndObject();
    }

    private static void Write020(Utf8JsonWriter writer, Result020 r)
    {
        writer.WriteStartObject();
        StringIfSet(writer, "cniVersion", r.CniVersion);
        Ip020IfSet(writer, "ip4", r.Ip4);
        Ip020IfSet(writer, "ip6", r.Ip6);
        writer.WritePropertyName("dns");
        WriteDns(writer, r.Dns);
        writer.WriteEndObject();
    }

    private static void Ip020IfSet(Utf8JsonWriter writer, string name, IpConfig020? ip)
    {
        if (ip is null)
        {
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteString("ip", ip.Ip.ToString());
        IpIfSet(writer, "gateway", ip.Gateway);
        ListIfSet(writer, "routes", ip.Routes, WriteRoute);
        writer.WriteEndObject();
    }

    private static IpConfig020 ReadIpConfig020(JsonFields json) => new()
    {
        Ip = json.Cidr("ip") ?? throw Missing(json, "ip"),
        Gateway = json.Ip("gateway"),
        Routes = json.Objects("routes", ReadRoute),
    };

    private static CniException Missing(JsonFields json, string name) =>
        new(CniErrorCode.DecodingFailure, $"{json.Context}: {json.PathOf(name)}: missing");

    private static void ListIfSet<T>(Utf8JsonWriter writer, string name, List<T>? items, Action<Utf8JsonWriter, T> writeItem)
    {
        if (items is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writeItem(writer, item);
        }

        writer.WriteEndArray();
    }

    private static void StringList(Utf8JsonWriter writer, List<string>? items)
    {
        if (items is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        foreach (var item in items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }

    private static void StringListIfSet(Utf8JsonWriter writer, string name, List<string>? items)
    {
        if (items is not null)
        {
            writer.WritePropertyName(name);
            StringList(writer, items);
        }
    }

    private static void StringIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void IpIfSet(Utf8JsonWriter writer, string name, IPAddress? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, IpText.Format(value));
        }
    }

    private static void NumberIfSet(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void NumberIfNonZero(Utf8JsonWriter writer, string name, int value)
    {
        if (value != 0)
        {
            writer.WriteNumber(name, value);
        }
    }
}
