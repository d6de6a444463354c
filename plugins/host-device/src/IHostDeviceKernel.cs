using LibCni.Interfaces;

namespace CniPlugins.HostDevice;

/// <summary>What host-device asks of the host: sysfs for finding the device, and moving it in and out of the container.</summary>
public interface IHostDeviceKernel
{
    bool PathExists(string path);

    /// <summary>The entry names of a directory, sorted as Go's ReadDir sorts them; throws <see cref="IOException"/>.</summary>
    IReadOnlyList<string> ListDirectory(string path);

    /// <summary>The file name a symlink points to (a PCI device's driver), or null when there is no link.</summary>
    string? LinkTargetName(string path);

    /// <summary>Whether a link of that name is in the host netns.</summary>
    bool HostLinkExists(string name);

    /// <summary>The first host link with this hardware address, or null.</summary>
    string? HostLinkByMac(byte[] mac);

    /// <summary>
    /// Moves host link <paramref name="hostName"/> into the container as <paramref name="ifName"/> in one request, records
    /// the host name in its alias (the reference's contract) and sets it up; a failure puts it back as it was.
    /// </summary>
    LinkRef MoveIn(string hostName, string netns, string ifName);

    /// <summary>
    /// Moves <paramref name="ifName"/> out of the container under the name its alias holds and clears the alias; it
    /// arrives down and without addresses. Returns false when there is no such link (already moved back).
    /// </summary>
    bool MoveOut(string netns, string ifName);

    /// <summary>
    /// A device the runtime's netns deletion sent back to the host still carries the container's name: renames the
    /// host link <paramref name="ifName"/> whose alias is <paramref name="originalName"/> back, and clears the alias.
    /// </summary>
    bool RestoreReturned(string ifName, string originalName);
}
