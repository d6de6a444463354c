using System.Net;
using CniPlugins.HostLocal.Allocation;
using CniPlugins.HostLocal.Config;
using CniPlugins.HostLocal.Store;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.HostLocal;

/// <summary>
/// The host-local IPAM plugin: one address per range set from a store shared with the reference plugin.
/// The store is opened per call through <paramref name="openStore"/> and files are read through
/// <paramref name="readFile"/>, so every verb runs in tests without a disk.
/// </summary>
public sealed class HostLocalPlugin(Func<HostLocalConfig, IIpStore> openStore, Func<string, string> readFile) : ICniPlugin
{
    public static HostLocalPlugin CreateDefault() => new(c => DiskStore.Open(c.DataDir, c.Name), File.ReadAllText);

    public ICniResult Add(CmdArgs args)
    {
        var config = HostLocalConfig.Parse(args.StdinData, args.Args);
        var result = new Result100 { Ips = [], Routes = [.. config.Routes.Select(r => r.Copy())] };
        if (config.ResolvConf is { } resolvConf)
        {
            result.Dns = ResolvConf.Parse(ReadResolvConf(resolvConf));
        }

        using var store = OpenStore(config);
        var taken = new List<Reservation>();
        var requested = config.RequestedIps.ToList();
        for (var index = 0; index < config.Ranges.Count; index++)
        {
            var allocator = new IpAllocator(config.Ranges[index], store, index);
            var wanted = requested.FirstOrDefault(allocator.RangeSet.Contains);
            if (wanted is not null)
            {
                requested.Remove(wanted);
            }

            try
            {
                result.Ips.Add(allocator.Get(args.ContainerId, args.IfName, wanted));
            }
            catch (Exception e) when (e is AllocationException or IOException or UnauthorizedAccessException)
            {
                Undo(store, taken, args);

                // A store that cannot be read or written is an I/O failure (spec code 5); an exhausted or refused range is not.
                throw new CniException(e is AllocationException ? CniErrorCode.Internal : CniErrorCode.IoFailure, $"failed to allocate for range {index}: {e.Message}",
                    $"range set {index} is {allocator.RangeSet}");
            }

            taken.Add(new Reservation(result.Ips[^1].Address.Address, args.ContainerId.Trim(), args.IfName));
        }

        if (requested.Count > 0)
        {
            Undo(store, taken, args);
            throw new CniException(CniErrorCode.Internal,
                "failed to allocate all requested IPs: " + string.Join(" ", requested.Select(IpText.Format)),
                "no range set contains these addresses");
        }

        return result;
    }

    public void Del(CmdArgs args)
    {
        var config = HostLocalConfig.Parse(args.StdinData, args.Args);
        using var store = OpenStore(config);

        // Like the reference, release once per range set and report every failure.
        var errors = new List<string>();
        for (var index = 0; index < config.Ranges.Count; index++)
        {
            try
            {
                new IpAllocator(config.Ranges[index], store, index).Release(args.ContainerId, args.IfName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(e.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new CniException(CniErrorCode.IoFailure, string.Join(";", errors));
        }
    }

    public void Check(CmdArgs args)
    {
        var config = HostLocalConfig.Parse(args.StdinData, args.Args);
        using var store = OpenStore(config);
        bool found;
        using (store.Lock())
        {
            found = store.FindById(args.ContainerId, args.IfName);
        }

        if (!found)
        {
            throw new CniException(CniErrorCode.Internal, $"host-local: Failed to find address added by container {args.ContainerId}",
                $"no reservation for ifname {args.IfName} in {config.Name}");
        }
    }

    /// <summary>
    /// GC (upstream PR plugins#1289 semantics): releases every reservation whose (containerID, ifname) is
    /// not a valid attachment; a legacy ID-only record stays while its container has any valid attachment.
    /// Our choice where the PR treats "no list" and "empty list" alike: a missing key is a no-op (a
    /// runtime that sent nothing has asserted nothing), while an explicit empty array or null releases all.
    /// Bookkeeping files (lock, last_reserved_ip.*, temporary files) are never reservations.
    /// </summary>
    public void Gc(CmdArgs args)
    {
        var config = HostLocalConfig.Parse(args.StdinData, args.Args);
        if (HostLocalConfig.ParseValidAttachments(args.StdinData) is not { } valid)
        {
            return;
        }

        var validPairs = valid.ToHashSet();
        var validContainers = valid.Select(v => v.ContainerId).ToHashSet(StringComparer.Ordinal);
        using var store = OpenStore(config);
        var errors = new List<string>();
        using (store.Lock())
        {
            foreach (var reservation in store.Reservations())
            {
                var keep = reservation.IfName is null
                    ? validContainers.Contains(reservation.ContainerId)
                    : validPairs.Contains((reservation.ContainerId, reservation.IfName));
                if (keep)
                {
                    continue;
                }

                try
                {
                    store.Release(reservation);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors.Add($"release {IpText.Format(reservation.Address)}: {e.Message}");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new CniException(CniErrorCode.IoFailure, string.Join(";", errors));
        }
    }

    /// <summary>
    /// STATUS: ready when the config is valid and its store directory can be created and locked. An unusable
    /// dataDir (read-only, a file in the way, a symlink) is code 50: ADD would fail until someone fixes it.
    /// </summary>
    public void Status(CmdArgs args)
    {
        var config = HostLocalConfig.Parse(args.StdinData, args.Args);
        try
        {
            using var store = openStore(config);
            using (store.Lock())
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.PluginNotAvailable, $"host-local: data directory unusable: {e.Message}",
                $"dataDir {config.DataDir}, network {config.Name}");
        }
    }

    /// <summary>Opens the store; a data directory that cannot be created or opened is an I/O failure (code 5).</summary>
    private IIpStore OpenStore(HostLocalConfig config)
    {
        try
        {
            return openStore(config);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"host-local: cannot open the store: {e.Message}", $"dataDir {config.DataDir}, network {config.Name}");
        }
    }

    private string ReadResolvConf(string path)
    {
        try
        {
            return readFile(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CniException(CniErrorCode.Internal, $"open {path}: no such file or directory", "ipam.resolvConf");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.Internal, $"open {path}: {e.Message}", "ipam.resolvConf");
        }
    }

    /// <summary>Releases exactly the records this ADD wrote, nothing the attachment held before.</summary>
    private static void Undo(IIpStore store, List<Reservation> taken, CmdArgs args)
    {
        if (taken.Count == 0)
        {
            return;
        }

        try
        {
            using (store.Lock())
            {
                foreach (var reservation in taken)
                {
                    store.Release(reservation);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            args.Log.WriteLine($"host-local: releasing after a failed ADD: {e.Message}");
        }
    }
}
