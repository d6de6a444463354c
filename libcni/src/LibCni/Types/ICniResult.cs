namespace LibCni.Types;

/// <summary>A success result of one spec version family (0.1/0.2, 0.3/0.4 or 1.x).</summary>
public interface ICniResult
{
    /// <summary>The spec version this result is labelled with.</summary>
    string CniVersion { get; set; }
}
