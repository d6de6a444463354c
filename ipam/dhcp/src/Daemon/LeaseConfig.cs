using System.Text;
using CniPlugins.Dhcp.Protocol;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// What the daemon reads from a network config: the network name (part of the client id), <c>ipam.priority</c>,
/// and the options to send (<c>ipam.provide</c>) and ask for (<c>ipam.request</c>), with CNI_ARGS applied.
/// </summary>
public sealed record LeaseConfig(string Network, int Priority, List<(byte Code, byte[] Value)> Provide, byte[] RequestList)
{
    public const int MaxClientIdLength = 254;

    /// <summary>The generated id for a provided option 61 to override on the wire; the lease is still keyed by it.</summary>
    public static string ClientId(string containerId, string network, string ifName)
    {
        var id = $"{containerId}/{network}/{ifName}";
        var bytes = Encoding.UTF8.GetBytes(id);
        return bytes.Length <= MaxClientIdLength ? id : Encoding.UTF8.GetString(bytes, 0, MaxClientIdLength);
    }

    public static LeaseConfig Parse(byte[] stdin, string cniArgs)
    {
        var net = JsonFields.Parse(stdin, "error parsing netconf");
        var name = net.String("name") ?? "";
        var ipam = net.Object("ipam");
        var priority = ipam?.Int32("priority") ?? 0;
        var provide = new List<(byte, byte[])>();
        foreach (var entry in ipam?.Objects("provide", o => o) ?? [])
        {
            var option = entry.String("option") ?? "";
            var code = ParseCode(option);
            var value = entry.String("value") ?? "";
            if (Encoding.UTF8.GetByteCount(value) > 255)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"value too long for option \"{option}\": \"{value}\"");
            }

            if (entry.String("fromArg") is { Length: > 0 } key && ArgValue(cniArgs, key) is { } fromArg)
            {
                if (Encoding.UTF8.GetByteCount(fromArg) > 255)
                {
                    throw new CniException(CniErrorCode.InvalidNetworkConfig,
                        $"value too long for option \"{option}\" from CNI_ARGS \"{key}\": \"{fromArg}\"");
                }

                value = fromArg;
            }

            if (value.Length > 0)
            {
                provide.Add((code, Encoding.UTF8.GetBytes(value)));
            }
        }

        var request = new List<byte>();
        var skipDefault = false;
        foreach (var entry in ipam?.Objects("request", o => o) ?? [])
        {
            skipDefault |= entry.Bool("skipDefault") ?? false;
            if (entry.String("option") is { Length: > 0 } option)
            {
                request.Add(ParseCode(option));
            }
        }

        if (!skipDefault)
        {
            request.Add(DhcpOption.Router);
            request.Add(DhcpOption.SubnetMask);
        }

        // Nothing asked for: the reference's library then sends its own list rather than an empty option 55.
        if (request.Count == 0)
        {
            request.AddRange([DhcpOption.SubnetMask, DhcpOption.Router, DhcpOption.DomainName, DhcpOption.DomainNameServer]);
        }

        return new LeaseConfig(name, priority, provide, [.. request.Distinct()]);
    }

    private static byte ParseCode(string option)
    {
        try
        {
            return DhcpOption.ParseCode(option);
        }
        catch (FormatException e)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, e.Message);
        }
    }

    /// <summary>CNI_ARGS split naively on ';' and the first '=', as the reference does here (a repeated key: the last).</summary>
    private static string? ArgValue(string cniArgs, string key)
    {
        string? value = null;
        foreach (var pair in cniArgs.Split(';'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && pair[..eq] == key)
            {
                value = pair[(eq + 1)..];
            }
        }

        return value;
    }
}
