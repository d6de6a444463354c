using LibCni.Types;

namespace LibCni.Config;

/// <summary>The MAC a container interface is asked to have, as macvlan and tap read it.</summary>
public static class RequestedMac
{
    /// <summary>
    /// The config's <c>mac</c>, overridden by CNI_ARGS <c>MAC</c>, overridden by <c>runtimeConfig.mac</c> (capability
    /// <c>mac</c>); null when none is set. With <paramref name="strictArgs"/> a CNI_ARGS key other than MAC is an
    /// error unless IgnoreUnknown is set.
    /// </summary>
    public static byte[]? Resolve(NetConf conf, CniArgs cniArgs, bool strictArgs)
    {
        var text = conf.Json.String("mac");
        if (strictArgs)
        {
            cniArgs.RequireKnownKeys("MAC");
        }

        if (cniArgs.Get("MAC") is { Length: > 0 } fromArgs)
        {
            text = fromArgs;
        }

        if (conf.RuntimeConfigString("mac") is { Length: > 0 } fromRuntime)
        {
            text = fromRuntime;
        }

        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return MacAddress.TryParse(text, out var mac)
            ? mac
            : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"invalid args {text} for MAC addr: address {text}: invalid MAC address");
    }
}
