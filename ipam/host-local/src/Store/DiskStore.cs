using System.Net;
using System.Text;
using LibCni.Kernel;
using LibCni.Types;

namespace CniPlugins.HostLocal.Store;

/// <summary>
/// The reference's on-disk store, byte for byte, so this plugin and the Go one can share a host:
/// <c>&lt;dataDir&gt;/&lt;network&gt;/</c> (0755) holds one file per reserved address named by its canonical
/// text, mode 0600, containing <c>&lt;id&gt;\r\n&lt;ifname&gt;</c>; <c>last_reserved_ip.&lt;set&gt;</c> (0600, no
/// newline); and <c>lock</c>, flocked around every read-then-write.
/// Unlike the reference, files only ever appear complete (written to a temporary file, then linked or
/// renamed into place), so a killed plugin cannot leave an empty record behind.
/// </summary>
public sealed class DiskStore : IIpStore
{
    public const string DefaultDataDir = "/var/lib/cni/networks";
    public const string LockFileName = "lock";
    public const string LastReservedPrefix = "last_reserved_ip.";

    /// <summary>Temporary files start with this; any found while holding the lock are leftovers of a killed writer.</summary>
    public const string TempPrefix = ".host-local-tmp-";

    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode DirectoryMode755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private DiskStore(string directory) => Directory = directory;

    /// <summary>The network's store directory.</summary>
    public string Directory { get; }

    /// <summary>
    /// Creates (if needed) and opens <c>&lt;dataDir&gt;/&lt;network&gt;</c>. Refuses a network name that would
    /// leave dataDir and a store directory or lock file that is a symbolic link.
    /// </summary>
    public static DiskStore Open(string? dataDir, string network)
    {
        dataDir = string.IsNullOrEmpty(dataDir) ? DefaultDataDir : dataDir;
        if (network.Length == 0 || network is "." or ".." || network.Contains('/') || network.Contains('\0'))
        {
            throw new IOException($"refusing network name \"{network}\" as a directory name under {dataDir}");
        }

        var directory = Path.Combine(dataDir, network);
        System.IO.Directory.CreateDirectory(directory, DirectoryMode755);
        if (new DirectoryInfo(directory).LinkTarget is not null)
        {
            throw new IOException($"refusing to use {directory}: it is a symbolic link");
        }

        var store = new DiskStore(directory);
        if (new FileInfo(store.LockPath).LinkTarget is not null)
        {
            throw new IOException($"refusing to use {store.LockPath}: it is a symbolic link");
        }

        return store;
    }

    private string LockPath => Path.Combine(Directory, LockFileName);

    public IDisposable Lock()
    {
        var held = FileLock.Acquire(LockPath);
        RemoveLeftoverTempFiles();
        return held;
    }

    public bool Reserve(string containerId, string ifName, IPAddress address, int rangeSetIndex)
    {
        var text = IpText.Format(address);
        var content = Encoding.UTF8.GetBytes(Reservation.Format(containerId, ifName));
        if (!AtomicFile.TryCreate(Path.Combine(Directory, text), content, FileMode600, TempPrefix))
        {
            return false;
        }

        try
        {
            // Not fsynced: it is only where round-robin resumes, and after a power loss anything unreadable
            // there means "start at the beginning of the range". The record above is fsynced before it is linked.
            AtomicFile.Replace(LastReservedPath(rangeSetIndex), Encoding.UTF8.GetBytes(text), FileMode600, TempPrefix, durable: false);
        }
        catch
        {
            File.Delete(Path.Combine(Directory, text));
            throw;
        }

        return true;
    }

    public IPAddress? LastReservedIp(int rangeSetIndex)
    {
        try
        {
            // Parsed exactly like the reference: anything but a bare address means "start from the beginning".
            return IpText.TryParse(File.ReadAllText(LastReservedPath(rangeSetIndex)), out var address) ? address : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every record, read through one directory handle (openat + pread + close per record): the duplicate
    /// check of ADD and the owner match of DEL need each record's owner, and the reference's layout has no
    /// index to ask instead. Symbolic links are skipped, never followed.
    /// </summary>
    public IReadOnlyList<Reservation> Reservations()
    {
        var found = new List<Reservation>();
        using var directory = DirectoryHandle.Open(Directory);
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            // Gone meanwhile, a link or unreadable: the reference skips such files too.
            if (IpText.TryParse(name, out var address) && directory.TryReadText(name) is { } content)
            {
                found.Add(Reservation.Parse(address, content));
            }
        }

        return found;
    }

    public bool Release(Reservation expected)
    {
        var path = Path.Combine(Directory, IpText.Format(expected.Address));
        try
        {
            if (Reservation.Parse(expected.Address, File.ReadAllText(path)) != expected)
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    public void Dispose()
    {
    }

    private string LastReservedPath(int rangeSetIndex) => Path.Combine(Directory, LastReservedPrefix + rangeSetIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void RemoveLeftoverTempFiles()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, TempPrefix + "*"))
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: a leftover is ignored by every reader anyway.
            }
        }
    }
}
