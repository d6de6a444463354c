using System.Net;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Loopback;

/// <summary>
/// Brings <c>lo</c> up in the container. CNI_IFNAME is validated by the host but ignored: the loopback
/// device is always <c>lo</c>, whatever name the runtime passes.
/// </summary>
public sealed class LoopbackPlugin(ILoopbackKernel kernel) : ICniPlugin
{
    private static readonly CidrAddress Ipv4Loopback = CidrAddress.Parse("127.0.0.1/8");
    private static readonly CidrAddress Ipv6Loopback = CidrAddress.Parse("::1/128");

    public ICniResult Add(CmdArgs args)
    {
        var conf = ParseConf(args);
        var prevResult = conf.HasPrevResult ? CniJson.ParsePrevResult(conf.PrevResult!.Value, args.ConfigVersion) : null;
        var state = kernel.BringUp(args.Netns);
        return BuildResult(args.Netns, state, prevResult);
    }

    public void Del(CmdArgs args)
    {
        ParseConf(args);
        if (args.Netns.Length == 0)
        {
            return;
        }

        try
        {
            kernel.BringDown(args.Netns);
        }
        catch (NetnsNotFoundException)
        {
            // The runtime already removed the namespace, and lo with it.
        }
    }

    public void Check(CmdArgs args)
    {
        var conf = ParseConf(args);
        var state = kernel.Inspect(args.Netns);
        var prevResult = conf.HasPrevResult ? ResultConverter.ToResult100(CniJson.ParsePrevResult(conf.PrevResult!.Value, args.ConfigVersion)) : null;
        VerifyState(state, prevResult);
    }

    /// <summary>The ADD result: prevResult passed through in a chain, else <c>lo</c> with its first address per family.</summary>
    internal static ICniResult BuildResult(string netns, LoopbackState state, ICniResult? prevResult)
    {
        foreach (var address in state.Addresses)
        {
            if (!IPAddress.IsLoopback(address.Address))
            {
                throw new CniException(CniErrorCode.Internal, $"loopback interface found with non-loopback address \"{IpText.Format(address.Address)}\"");
            }
        }

        if (prevResult is not null)
        {
            return prevResult;
        }

        var result = new Result100
        {
            Interfaces = [new Interface100 { Name = "lo", Mac = "00:00:00:00:00:00", Sandbox = netns }],
            Ips = [],
        };
        foreach (var first in new[] { state.Addresses.FirstOrDefault(a => a.IsV4), state.Addresses.FirstOrDefault(a => !a.IsV4 && a.Address is not null) })
        {
            if (first.Address is not null)
            {
                result.Ips.Add(new IpConfig100 { Interface = 0, Address = first });
            }
        }

        return result.Normalized();
    }

    /// <summary>CHECK: lo is up with its loopback addresses, plus whatever prevResult says lo holds.</summary>
    internal static void VerifyState(LoopbackState state, Result100? prevResult)
    {
        if (!state.Up)
        {
            throw new CniException(CniErrorCode.Internal, "loopback interface is down");
        }

        var expected = new List<CidrAddress> { Ipv4Loopback };
        if (state.Ipv6Enabled)
        {
            expected.Add(Ipv6Loopback);
        }

        var loIndex = prevResult?.Interfaces?.FindIndex(i => i.Name == "lo") ?? -1;
        foreach (var ip in prevResult?.Ips ?? [])
        {
            if (loIndex >= 0 && ip.Interface == loIndex)
            {
                expected.Add(ip.Address);
            }
        }

        foreach (var address in expected)
        {
            if (!state.Addresses.Contains(address))
            {
                throw new CniException(CniErrorCode.Internal, $"loopback interface is missing address {address}");
            }
        }
    }

    private static NetConf ParseConf(CmdArgs args) =>
        CniJson.Decode(args.StdinData, NetConf.Read, "failed to parse network configuration");
}
