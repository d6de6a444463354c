using System.Net;

namespace LibCni.Types;

/// <summary>The result of spec 1.0.0 and 1.1.0, and the form every plugin here builds internally.</summary>
public sealed class Result100 : ICniResult
{
    public string CniVersion { get; set; } = SpecVersions.Current;

    /// <summary>Omitted when empty, as in the reference.</summary>
    public Dns? Dns { get; set; }

    public List<Interface100>? Interfaces { get; set; }

    public List<IpConfig100>? Ips { get; set; }

    public List<Route>? Routes { get; set; }

    /// <summary>Drops empty lists and an empty dns so the printed form matches the reference's omitempty rules.</summary>
    public Result100 Normalized()
    {
        Interfaces = Interfaces.NullIfEmpty();
        Ips = Ips.NullIfEmpty();
        Routes = Routes.NullIfEmpty();
        if (Dns is { IsEmpty: true })
        {
            Dns = null;
        }

        return this;
    }
}

public sealed class Interface100
{
    public string? Mac { get; set; }

    public int Mtu { get; set; }

    public string Name { get; set; } = "";

    public string? PciId { get; set; }

    public string? Sandbox { get; set; }

    public string? SocketPath { get; set; }
}

public sealed class IpConfig100
{
    public CidrAddress Address { get; set; }

    public IPAddress? Gateway { get; set; }

    /// <summary>Index into <c>interfaces</c>; absent in IPAM results.</summary>
    public int? Interface { get; set; }
}

internal static class ListExtensions
{
    /// <summary>Empty lists print as absent, as the reference's omitempty does.</summary>
    public static List<T>? NullIfEmpty<T>(this List<T>? list) => list is { Count: 0 } ? null : list;
}
