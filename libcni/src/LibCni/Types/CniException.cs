namespace LibCni.Types;

/// <summary>
/// A structured CNI error: what a plugin prints as error JSON, or what the runtime read from a plugin.
/// The plugin host never wraps one of these in another.
/// </summary>
public sealed class CniException : Exception
{
    public CniException(int code, string message, string? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Details = string.IsNullOrEmpty(details) ? null : details;
    }

    public int Code { get; }

    public string? Details { get; }

    public CniError ToError(string? cniVersion) => new()
    {
        CniVersion = cniVersion,
        Code = Code,
        Msg = Message,
        Details = Details,
    };

    public override string ToString() => Details is null ? $"{Message} (code {Code})" : $"{Message}; {Details} (code {Code})";
}
