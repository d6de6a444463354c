using CniPlugins.Dhcp.Rpc;
using LibCni.Types;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// The RPC service "DHCP": leases keyed by client id (<c>containerID/network/ifname</c>). Calls for different ids run
/// in parallel; calls for one id are serialised. Unlike the reference, a lease whose maintenance ended is acquired
/// afresh instead of hanging the call.
/// </summary>
public sealed class DhcpService(DaemonOptions options, LeaseStore store)
{
    private readonly Dictionary<string, Slot> _slots = [];

    /// <summary>Picks up the leases a previous daemon saved; those whose interface is gone end on their own.</summary>
    public int Resume()
    {
        var count = 0;
        foreach (var (target, acked) in store.Load())
        {
            try
            {
                var lease = DhcpLease.Resume(target, acked, options, store);
                lock (_slots)
                {
                    _slots[target.ClientId] = new Slot { Lease = lease };
                }

                lease.Start();
                count++;
            }
            catch (CniException e)
            {
                DaemonLog.Write($"{target.ClientId}: cannot resume lease: {e.Message}");
            }
        }

        return count;
    }

    public Result100 Allocate(AllocateArgs args)
    {
        var config = LeaseConfig.Parse(args.StdinData, args.Args);
        var clientId = LeaseConfig.ClientId(args.ContainerId, config.Network, args.IfName);
        var slot = SlotOf(clientId);
        lock (slot)
        {
            // A lease whose interface has gone (maintenance may not have noticed yet) is not handed out: the call then
            // fails on the missing link as the reference's does, which is what makes CHECK see a removed interface.
            if (slot.Lease is { Ended: false } existing && existing.LinkExists())
            {
                return existing.ToResult();
            }

            slot.Lease?.Stop(release: false);
            var target = new LeaseTarget(clientId, options.HostPrefix + args.Netns, args.IfName, args.StdinData, args.Args);
            var lease = DhcpLease.Acquire(target, config, options, store);
            slot.Lease = lease;
            lease.Start();
            return lease.ToResult();
        }
    }

    public void Release(AllocateArgs args)
    {
        var config = LeaseConfig.Parse(args.StdinData, args.Args);
        var clientId = LeaseConfig.ClientId(args.ContainerId, config.Network, args.IfName);
        var slot = SlotOf(clientId);
        lock (slot)
        {
            ReleaseHeld(clientId, slot);
        }
    }

    /// <summary>
    /// GC: releases every lease of this network whose (containerID, ifname) is not a valid attachment, as DEL would.
    /// Without a valid-attachments key nothing is collected (the runtime asserted nothing).
    /// </summary>
    public void Gc(AllocateArgs args)
    {
        var network = LeaseConfig.Parse(args.StdinData, args.Args).Network;
        if (LibCni.Config.GcAttachments.Parse(args.StdinData) is not { } valid)
        {
            return;
        }

        var keep = valid.Select(v => LeaseConfig.ClientId(v.ContainerId, network, v.IfName)).ToHashSet(StringComparer.Ordinal);
        List<(string ClientId, Slot Slot)> candidates;
        lock (_slots)
        {
            candidates = _slots.Where(s => !keep.Contains(s.Key)).Select(s => (s.Key, s.Value)).ToList();
        }

        foreach (var (clientId, slot) in candidates)
        {
            lock (slot)
            {
                if (slot.Lease is not { } lease || lease.Network != network)
                {
                    continue;
                }

                DaemonLog.Write($"{clientId}: not a valid attachment, collecting");
                ReleaseHeld(clientId, slot);
            }
        }
    }

    /// <summary>DEL's work, under the slot's lock: RELEASE the lease if one is held, forget it on disk and here.</summary>
    private void ReleaseHeld(string clientId, Slot slot)
    {
        slot.Lease?.Stop(release: true);
        slot.Lease = null;
        store.Delete(clientId);
        lock (_slots)
        {
            _slots.Remove(clientId);
        }
    }

    private Slot SlotOf(string clientId)
    {
        lock (_slots)
        {
            if (!_slots.TryGetValue(clientId, out var slot))
            {
                _slots[clientId] = slot = new Slot();
            }

            return slot;
        }
    }

    private sealed class Slot
    {
        public DhcpLease? Lease { get; set; }
    }
}
