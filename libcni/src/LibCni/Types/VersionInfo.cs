using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>The VERSION verb's output.</summary>
public sealed class VersionInfo
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = SpecVersions.Current;

    [JsonPropertyName("supportedVersions")]
    public List<string>? SupportedVersions { get; set; }
}
