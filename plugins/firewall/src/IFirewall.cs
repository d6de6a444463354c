using System.Net;

namespace CniPlugins.Firewall;

/// <summary>What one ADD, CHECK or DEL is about: the attachment and the addresses from prevResult.</summary>
public sealed record FirewallRequest(string NetworkName, string ContainerId, string IfName, FirewallConfig Config)
{
    public IReadOnlyList<IPAddress> Addresses => Config.Addresses;
}

/// <summary>
/// A place the per-container allow rules live: iptables, nftables or firewalld. Add and Del are
/// idempotent; Del removes what it can find with what the request carries (nftables: the container's tag;
/// iptables and firewalld: prevResult's addresses).
/// </summary>
public interface IFirewall
{
    string Name { get; }

    void Add(FirewallRequest request);

    /// <summary>Throws a CniException naming the first missing rule.</summary>
    void Check(FirewallRequest request);

    void Del(FirewallRequest request);

    /// <summary>Removes the rules of the network's attachments not in the valid set, where the backend can tell whose a rule is.</summary>
    void Gc(string networkName, IReadOnlySet<string> validContainerIds)
    {
    }
}

/// <summary>
/// The same-bridge/isolated ingress policies: per bridge, traffic leaving another interface towards the
/// bridge is dropped (CNI-ISOLATION-STAGE-1/2). The reference never removes these; we remove a bridge's
/// rules when its last attachment goes or the bridge is gone (<see cref="IsolationCleanup"/>).
/// </summary>
public interface IIngressIsolation
{
    void Isolate(string bridge, bool isolated, bool ipv4, bool ipv6);

    void CheckIsolation(string bridge, bool isolated, bool ipv4, bool ipv6);

    /// <summary>The bridges that have isolation rules here.</summary>
    IReadOnlySet<string> IsolatedBridges();

    /// <summary>Deletes the rules naming the bridge (either policy); the chains and their RETURNs stay.</summary>
    void RemoveIsolation(string bridge);
}
