namespace LibCni.Types;

/// <summary>The error object of the spec: <c>{cniVersion, code, msg, details}</c>.</summary>
public sealed class CniError
{
    public string? CniVersion { get; set; }

    public int Code { get; set; }

    public string Msg { get; set; } = "";

    public string? Details { get; set; }
}
