using System.Net;

namespace CniPlugins.HostLocal.Store;

/// <summary>
/// Where reservations live: one record per address, naming the (container ID, ifname) that holds it,
/// plus the last address reserved per range set for round-robin. Callers hold <see cref="Lock"/> around
/// every operation that reads-then-writes.
/// </summary>
public interface IIpStore : IDisposable
{
    /// <summary>Takes the store's exclusive lock (blocking) until the returned handle is disposed.</summary>
    IDisposable Lock();

    /// <summary>Records <paramref name="address"/> for the attachment; false when it is already taken.</summary>
    bool Reserve(string containerId, string ifName, IPAddress address, int rangeSetIndex);

    /// <summary>The last address reserved in the range set, or null when unknown or unreadable.</summary>
    IPAddress? LastReservedIp(int rangeSetIndex);

    /// <summary>
    /// Every reservation. A record written by old versions names only the container (<see cref="Reservation.IfName"/> null).
    /// </summary>
    IReadOnlyList<Reservation> Reservations();

    /// <summary>Removes the record for <paramref name="address"/> if it is still <paramref name="expected"/>; false when it was not.</summary>
    bool Release(Reservation expected);
}

/// <summary>An address held by a container's interface; <see cref="IfName"/> is null for legacy ID-only records.</summary>
public sealed record Reservation(IPAddress Address, string ContainerId, string? IfName)
{
    public const string LineBreak = "\r\n";

    /// <summary>The reference's on-disk form: <c>&lt;id&gt;\r\n&lt;ifname&gt;</c>, no trailing newline.</summary>
    public static string Format(string containerId, string ifName) => containerId.Trim() + LineBreak + ifName;

    /// <summary>Reads a record's content; trimmed like the reference, and ID-only when it has no line break.</summary>
    public static Reservation Parse(IPAddress address, string content)
    {
        var trimmed = content.Trim();
        var split = trimmed.IndexOf(LineBreak, StringComparison.Ordinal);
        return split < 0
            ? new Reservation(address, trimmed, null)
            : new Reservation(address, trimmed[..split], trimmed[(split + LineBreak.Length)..]);
    }

    /// <summary>Whether this is exactly the record ADD writes for the attachment.</summary>
    public bool IsFor(string containerId, string ifName) => IfName == ifName && ContainerId == containerId.Trim();

    /// <summary>Whether this is a legacy ID-only record of the container.</summary>
    public bool IsLegacyFor(string containerId) => IfName is null && ContainerId == containerId.Trim();
}
