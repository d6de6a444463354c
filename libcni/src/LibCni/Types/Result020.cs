using System.Net;

namespace LibCni.Types;

/// <summary>The result of spec 0.1.0 and 0.2.0: one IPv4 and one IPv6 configuration.</summary>
public sealed class Result020 : ICniResult
{
    public string CniVersion { get; set; } = "0.2.0";

    public IpConfig020? Ip4 { get; set; }

    public IpConfig020? Ip6 { get; set; }

    public Dns Dns { get; set; } = new();
}

public sealed class IpConfig020
{
    public CidrAddress Ip { get; set; }

    public IPAddress? Gateway { get; set; }

    public List<Route>? Routes { get; set; }
}
