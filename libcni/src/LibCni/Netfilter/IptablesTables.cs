namespace LibCni.Netfilter;

/// <summary>
/// <see cref="IIptablesRunner"/> for any table (the firewall plugin works in filter): one iptables-save
/// to read a table, one iptables-restore --noflush to apply a whole change.
/// </summary>
public interface IIptablesTables
{
    /// <summary>False when this family's iptables cannot be used on this host.</summary>
    bool IsAvailable(bool ipv6);

    /// <inheritdoc cref="IIptablesRunner.HasTable"/>
    bool HasTable(bool ipv6, string table);

    IptablesTable Save(bool ipv6, string table);

    /// <summary>Applies an iptables-restore script (all or nothing) without flushing other chains.</summary>
    void Restore(bool ipv6, string script);
}

public sealed partial class IptablesRunner : IIptablesTables
{
    public void Restore(bool ipv6, string script) => RestoreNat(ipv6, script);
}
