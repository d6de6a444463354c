using System.Text;
using LibCni.Types;

namespace LibCni.Config;

/// <summary>Validation of container IDs, network names and interface names, with the reference's codes and messages.</summary>
public static class Identifiers
{
    public const int MaxInterfaceNameLength = 15;

    /// <summary><c>^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$</c></summary>
    public static bool IsValidId(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static void ValidateContainerId(string containerId)
    {
        if (containerId.Length == 0)
        {
            throw new CniException(CniErrorCode.UnknownContainer, "missing containerID");
        }

        if (!IsValidId(containerId))
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "invalid characters in containerID", containerId);
        }
    }

    public static void ValidateNetworkName(string name)
    {
        if (name.Length == 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing network name");
        }

        if (!IsValidId(name))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "invalid characters found in network name", name);
        }
    }

    public static void ValidateInterfaceName(string ifName)
    {
        if (ifName.Length == 0)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is empty", "CNI_IFNAME is empty");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(ifName) > MaxInterfaceNameLength)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is too long",
                $"interface name should be less than {MaxInterfaceNameLength + 1} characters");
        }

        if (ifName is "." or "..")
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is . or ..", $"CNI_IFNAME=\"{ifName}\"");
        }

        foreach (var rune in ifName.EnumerateRunes())
        {
            if (rune.Value is '/' or ':' || Rune.IsWhiteSpace(rune) || rune.Value == 0)
            {
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                    "interface name contains / or : or whitespace characters", $"CNI_IFNAME=\"{Escape(ifName)}\"");
            }
        }
    }

    private static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}
