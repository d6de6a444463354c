using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>The error object of the spec: <c>{cniVersion, code, msg, details}</c>.</summary>
public sealed class CniError
{
    [JsonPropertyName("cniVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CniVersion { get; set; }

    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("msg")]
    public string Msg { get; set; } = "";

    [JsonPropertyName("details")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; set; }
}
