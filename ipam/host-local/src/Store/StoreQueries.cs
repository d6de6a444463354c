using System.Net;

namespace CniPlugins.HostLocal.Store;

/// <summary>The reference's lookups by attachment, with its fallback to legacy ID-only records. Callers hold the lock.</summary>
public static class StoreQueries
{
    /// <summary>Addresses held by the attachment, legacy records of the container included.</summary>
    public static IReadOnlyList<IPAddress> GetById(this IIpStore store, string containerId, string ifName) =>
        store.Reservations().Where(r => r.IsFor(containerId, ifName) || r.IsLegacyFor(containerId)).Select(r => r.Address).ToList();

    /// <summary>CHECK: a record of the attachment exists, or failing that a legacy record of the container.</summary>
    public static bool FindById(this IIpStore store, string containerId, string ifName)
    {
        var all = store.Reservations();
        return all.Any(r => r.IsFor(containerId, ifName)) || all.Any(r => r.IsLegacyFor(containerId));
    }

    /// <summary>DEL: releases the attachment's records; only when there are none, the container's legacy records.</summary>
    public static void ReleaseById(this IIpStore store, string containerId, string ifName)
    {
        var all = store.Reservations();
        var released = false;
        foreach (var reservation in all.Where(r => r.IsFor(containerId, ifName)))
        {
            released |= store.Release(reservation);
        }

        if (!released)
        {
            foreach (var reservation in all.Where(r => r.IsLegacyFor(containerId)))
            {
                store.Release(reservation);
            }
        }
    }
}
