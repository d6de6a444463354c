namespace LibCni.Types;

/// <summary>
/// Converts results between spec versions, with the reference's rules and error texts.
/// The table is static: one entry per (from family, to family).
/// </summary>
public static class ResultConverter
{
    private static readonly Dictionary<(ResultFamily From, ResultFamily To), Func<ICniResult, string, ICniResult>> Table = new()
    {
        [(ResultFamily.V020, ResultFamily.V020)] = (r, v) => Relabel020((Result020)r, v),
        [(ResultFamily.V020, ResultFamily.V040)] = (r, v) => From020To040((Result020)r, v),
        [(ResultFamily.V020, ResultFamily.V100)] = (r, v) => From040To100(From020To040((Result020)r, "0.4.0"), v),
        [(ResultFamily.V040, ResultFamily.V020)] = (r, v) => From040To020((Result040)r, v),
        [(ResultFamily.V040, ResultFamily.V040)] = (r, v) => Relabel040((Result040)r, v),
        [(ResultFamily.V040, ResultFamily.V100)] = (r, v) => From040To100((Result040)r, v),
        [(ResultFamily.V100, ResultFamily.V020)] = (r, v) => From040To020(From100To040((Result100)r, "0.4.0"), v),
        [(ResultFamily.V100, ResultFamily.V040)] = (r, v) => From100To040((Result100)r, v),
        [(ResultFamily.V100, ResultFamily.V100)] = (r, v) => Relabel100((Result100)r, v),
    };

    /// <summary>Converts <paramref name="from"/> to <paramref name="toVersion"/> (empty means 0.1.0).</summary>
    /// <exception cref="CniException">No converter exists, or the target cannot express the result.</exception>
    public static ICniResult Convert(ICniResult from, string? toVersion)
    {
        if (string.IsNullOrEmpty(toVersion))
        {
            toVersion = "0.1.0";
        }

        var fromVersion = string.IsNullOrEmpty(from.CniVersion) ? "0.1.0" : from.CniVersion;
        var fromFamily = SpecVersions.FamilyOf(fromVersion);
        var toFamily = SpecVersions.FamilyOf(toVersion);
        if (fromFamily is null || toFamily is null)
        {
            throw new CniException(CniErrorCode.IncompatibleCniVersion, $"no converter for CNI result version {fromVersion} to {toVersion}");
        }

        return Table[(fromFamily.Value, toFamily.Value)](from, toVersion);
    }

    public static Result100 ToResult100(ICniResult from) => (Result100)Convert(from, SpecVersions.Current);

    private static Result020 Relabel020(Result020 r, string version) => new()
    {
        CniVersion = version,
        Ip4 = Copy(r.Ip4),
        Ip6 = Copy(r.Ip6),
        Dns = r.Dns.Copy(),
    };

    private static Result040 Relabel040(Result040 r, string version) => new()
    {
        CniVersion = version,
        Interfaces = r.Interfaces?.Select(i => new Interface040 { Name = i.Name, Mac = i.Mac, Sandbox = i.Sandbox }).ToList(),
        Ips = r.Ips?.Select(ip => new IpConfig040 { Version = ip.Version, Interface = ip.Interface, Address = ip.Address, Gateway = ip.Gateway }).ToList(),
        Routes = r.Routes?.Select(rt => rt.Copy()).ToList(),
        Dns = r.Dns.Copy(),
    };

    private static Result100 Relabel100(Result100 r, string version) => new()
    {
        CniVersion = version,
        Interfaces = r.Interfaces?.Select(i => new Interface100
        {
            Name = i.Name, Mac = i.Mac, Mtu = i.Mtu, Sandbox = i.Sandbox, SocketPath = i.SocketPath, PciId = i.PciId,
        }).ToList(),
        Ips = r.Ips?.Select(ip => new IpConfig100 { Interface = ip.Interface, Address = ip.Address, Gateway = ip.Gateway }).ToList(),
        Routes = r.Routes?.Select(rt => rt.Copy()).ToList(),
        Dns = r.Dns?.Copy(),
    };

    private static Result040 From020To040(Result020 r, string version)
    {
        var result = new Result040 { CniVersion = version, Dns = r.Dns.Copy(), Routes = [] };
        foreach (var (ip, family) in new[] { (r.Ip4, "4"), (r.Ip6, "6") })
        {
            if (ip is null)
            {
                continue;
            }

            (result.Ips ??= []).Add(new IpConfig040 { Version = family, Address = ip.Ip, Gateway = ip.Gateway });
            foreach (var route in ip.Routes ?? [])
            {
                result.Routes.Add(route.Copy());
            }
        }

        return result.Normalized();
    }

    private static Result020 From040To020(Result040 r, string version)
    {
        var result = new Result020 { CniVersion = version, Dns = r.Dns.Copy() };
        foreach (var ip in r.Ips ?? [])
        {
            // 0.2.0 and earlier hold one address per family: the first one wins.
            if (ip.Version == "4" && result.Ip4 is null)
            {
                result.Ip4 = new IpConfig020 { Ip = ip.Address, Gateway = ip.Gateway };
            }
            else if (ip.Version == "6" && result.Ip6 is null)
            {
                result.Ip6 = new IpConfig020 { Ip = ip.Address, Gateway = ip.Gateway };
            }

            if (result.Ip4 is not null && result.Ip6 is not null)
            {
                break;
            }
        }

        foreach (var route in r.Routes ?? [])
        {
            var target = route.Dst.IsV4 ? result.Ip4 : result.Ip6;
            if (target is not null)
            {
                (target.Routes ??= []).Add(route.CopyDstAndGw());
            }
        }

        if (result.Ip4 is null && result.Ip6 is null)
        {
            throw new CniException(CniErrorCode.Internal, "cannot convert: no valid IP addresses");
        }

        return result;
    }

    private static Result100 From040To100(Result040 r, string version) => new Result100
    {
        CniVersion = version,
        Dns = r.Dns.Copy(),
        Interfaces = r.Interfaces?.Select(i => new Interface100 { Name = i.Name, Mac = i.Mac, Sandbox = i.Sandbox }).ToList(),
        Ips = r.Ips?.Select(ip => new IpConfig100 { Interface = ip.Interface, Address = ip.Address, Gateway = ip.Gateway }).ToList(),
        Routes = r.Routes?.Select(rt => rt.Copy()).ToList(),
    }.Normalized();

    private static Result040 From100To040(Result100 r, string version) => new Result040
    {
        CniVersion = version,
        Dns = r.Dns?.Copy() ?? new Dns(),
        Interfaces = r.Interfaces?.Select(i => new Interface040 { Name = i.Name, Mac = i.Mac, Sandbox = i.Sandbox }).ToList(),
        Ips = r.Ips?.Select(ip => new IpConfig040
        {
            Version = ip.Address.IsV4 ? "4" : "6",
            Interface = ip.Interface,
            Address = ip.Address,
            Gateway = ip.Gateway,
        }).ToList(),
        Routes = r.Routes?.Select(rt => rt.Copy()).ToList(),
    }.Normalized();

    private static IpConfig020? Copy(IpConfig020? ip) => ip is null
        ? null
        : new IpConfig020 { Ip = ip.Ip, Gateway = ip.Gateway, Routes = ip.Routes?.Select(r => r.Copy()).ToList() };
}
