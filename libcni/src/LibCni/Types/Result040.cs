using System.Net;

namespace LibCni.Types;

/// <summary>The result of spec 0.3.0, 0.3.1 and 0.4.0.</summary>
public sealed class Result040 : ICniResult
{
    public string CniVersion { get; set; } = "0.4.0";

    public List<Interface040>? Interfaces { get; set; }

    public List<IpConfig040>? Ips { get; set; }

    public List<Route>? Routes { get; set; }

    /// <summary>Always written, as <c>{}</c> when empty.</summary>
    public Dns Dns { get; set; } = new();

    public Result040 Normalized()
    {
        Interfaces = Interfaces.NullIfEmpty();
        Ips = Ips.NullIfEmpty();
        Routes = Routes.NullIfEmpty();
        Dns ??= new Dns();
        return this;
    }
}

public sealed class Interface040
{
    public string Name { get; set; } = "";

    public string? Mac { get; set; }

    public string? Sandbox { get; set; }
}

public sealed class IpConfig040
{
    /// <summary>"4" or "6".</summary>
    public string Version { get; set; } = "";

    public int? Interface { get; set; }

    public CidrAddress Address { get; set; }

    public IPAddress? Gateway { get; set; }
}
