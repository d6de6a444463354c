using System.Net;

namespace LibCni.Types;

/// <summary>A route as every result version writes it (1.1 added mtu, advmss, priority, table and scope).</summary>
public sealed class Route
{
    public CidrAddress Dst { get; set; }

    public IPAddress? Gw { get; set; }

    public int Mtu { get; set; }

    public int AdvMss { get; set; }

    public int Priority { get; set; }

    public int? Table { get; set; }

    public int? Scope { get; set; }

    public Route Copy() => (Route)MemberwiseClone();

    /// <summary>The 0.1/0.2 form keeps only destination and gateway.</summary>
    public Route CopyDstAndGw() => new() { Dst = Dst, Gw = Gw };
}
