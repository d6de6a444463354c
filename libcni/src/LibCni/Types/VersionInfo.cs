namespace LibCni.Types;

/// <summary>The VERSION verb's output.</summary>
public sealed class VersionInfo
{
    public string CniVersion { get; set; } = SpecVersions.Current;

    public List<string>? SupportedVersions { get; set; }
}
