using LibCni.Config;
using LibCni.Json;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Static;

/// <summary>
/// The static IPAM plugin: hands out exactly the configured addresses, routes and dns. Stateless: DEL has nothing to
/// release, and GC and STATUS are the host's default success, as in the reference (which has no handler for them).
/// </summary>
public sealed class StaticPlugin : ICniPlugin
{
    public ICniResult Add(CmdArgs args)
    {
        var config = StaticConfig.Parse(args.StdinData, args.Args);
        return new Result100
        {
            // No interfaces and no interface index: the calling plugin sets them.
            Ips = [.. config.Addresses.Select(a => new IpConfig100 { Address = a.Address, Gateway = a.Gateway })],
            Routes = [.. config.Routes.Select(r => r.Copy())],
            Dns = config.Dns?.Copy(),
        };
    }

    /// <summary>Nothing was allocated, so nothing is read: DEL succeeds even with a config ADD would refuse.</summary>
    public void Del(CmdArgs args)
    {
    }

    /// <summary>
    /// Each configured address found in prevResult (same IP, prefix ignored; the first such entry decides) must have
    /// the configured gateway, when one is configured. As in the reference, a configured address that prevResult
    /// lacks is not an error.
    /// </summary>
    public void Check(CmdArgs args)
    {
        var config = StaticConfig.Parse(args.StdinData, args.Args);
        var conf = CniJson.Decode(args.StdinData, NetConf.Read, "failed to load netconf");
        if (conf.PrevResult is not { } rawPrevResult)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "Required prevResult missing", "CHECK needs the ADD result as prevResult");
        }

        var prevResult = ResultConverter.ToResult100(CniJson.ParsePrevResult(rawPrevResult, args.ConfigVersion));
        foreach (var wanted in config.Addresses)
        {
            var found = prevResult.Ips?.FirstOrDefault(ip => IpText.Normalize(ip.Address.Address).Equals(wanted.Address.Address));
            if (found is null || wanted.Gateway is null || (found.Gateway is { } gateway && IpText.Normalize(gateway).Equals(wanted.Gateway)))
            {
                continue;
            }

            throw new CniException(CniErrorCode.Internal, $"static: Failed to match addr {IpText.Format(found.Address.Address)} on interface {args.IfName}",
                $"configured gateway {IpText.Format(wanted.Gateway)} for {wanted.Address}, prevResult has {(found.Gateway is { } g ? IpText.Format(g) : "none")}");
        }
    }
}
