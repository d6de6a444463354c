using System.Text.Json.Serialization;

namespace LibCni.Types;

/// <summary>The <c>dns</c> object of configs and results.</summary>
public sealed class Dns
{
    [JsonPropertyName("nameservers")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Nameservers { get; set; }

    [JsonPropertyName("domain")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Domain { get; set; }

    [JsonPropertyName("search")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Search { get; set; }

    [JsonPropertyName("options")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Options { get; set; }

    [JsonIgnore]
    public bool IsEmpty =>
        (Nameservers is null || Nameservers.Count == 0) && string.IsNullOrEmpty(Domain) &&
        (Search is null || Search.Count == 0) && (Options is null || Options.Count == 0);

    public Dns Copy() => new()
    {
        Nameservers = Nameservers is null ? null : [.. Nameservers],
        Domain = Domain,
        Search = Search is null ? null : [.. Search],
        Options = Options is null ? null : [.. Options],
    };
}
