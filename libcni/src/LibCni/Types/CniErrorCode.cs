namespace LibCni.Types;

/// <summary>The well-known error codes of the CNI spec (0-99 reserved), plus the reference's 8 and 999.</summary>
public static class CniErrorCode
{
    public const int Unknown = 0;
    public const int IncompatibleCniVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironmentVariables = 4;
    public const int IoFailure = 5;
    public const int DecodingFailure = 6;
    public const int InvalidNetworkConfig = 7;
    public const int InvalidNetNs = 8;
    public const int TryAgainLater = 11;
    public const int PluginNotAvailable = 50;
    public const int PluginNotAvailableLimitedConnectivity = 51;
    public const int Internal = 999;
}
