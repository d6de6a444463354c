namespace LibCni.Types;

/// <summary>The <c>dns</c> object of configs and results.</summary>
public sealed class Dns
{
    public List<string>? Nameservers { get; set; }

    public string? Domain { get; set; }

    public List<string>? Search { get; set; }

    public List<string>? Options { get; set; }

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
