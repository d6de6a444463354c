using LibCni.Types;

namespace LibCni.Netfilter.Masquerade;

/// <summary>The firewall a masquerade (ipMasq) is written with.</summary>
public enum MasqueradeBackend
{
    NfTables,
    IpTables,
}

/// <summary>Masquerade for container addresses (the ipMasq option of bridge and ptp), one backend each.</summary>
public interface IMasquerade
{
    void Setup(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses);

    void Teardown(string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses);

    /// <summary>Removes the rules of every attachment of <paramref name="network"/> not in <paramref name="valid"/>.</summary>
    void Gc(string network, IReadOnlyCollection<(string ContainerId, string IfName)> valid);
}

/// <summary>
/// ipMasq as every plugin that offers it does it (the reference's <c>ip.SetupIPMasqForNetworks</c> and its
/// teardown): the backend the config asks for, else nftables with the fall back to iptables; teardown and GC
/// in both backends, since the attachment may come from another implementation or another config.
/// </summary>
public sealed class Masquerading(Func<MasqueradeBackend, IMasquerade> backends)
{
    public static Masquerading Default { get; } = new(For);

    public static IMasquerade For(MasqueradeBackend backend) => backend switch
    {
        MasqueradeBackend.IpTables => new IptablesMasquerade(IptablesRunner.Instance),
        _ => new NftMasquerade(NftClient.Open),
    };

    /// <summary>The <c>ipMasqBackend</c> key: empty or absent lets the ADD choose.</summary>
    /// <exception cref="CniException">Code 7 for any other value than nftables or iptables.</exception>
    public static MasqueradeBackend? ParseBackend(string? text) => text switch
    {
        null or "" => null,
        "nftables" => MasqueradeBackend.NfTables,
        "iptables" => MasqueradeBackend.IpTables,
        var other => throw new CniException(CniErrorCode.InvalidNetworkConfig, $"unknown ipmasq backend \"{other}\"", $"ipMasqBackend={other}"),
    };

    /// <summary>Masquerades <paramref name="addresses"/>; returns the backend that holds the rules, for the rollback.</summary>
    public IMasquerade Setup(string plugin, MasqueradeBackend? asked, string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses, TextWriter log) =>
        BackendFallback.SetupPreferringNftables($"{plugin} ipMasq", asked is null ? null : backends(asked.Value), () => backends(MasqueradeBackend.NfTables),
            () => backends(MasqueradeBackend.IpTables),
            m => m.Setup(network, containerId, ifName, addresses),
            m => m.Teardown(network, containerId, ifName, addresses),
            log);

    public void Teardown(string plugin, string network, string containerId, string ifName, IReadOnlyList<CidrAddress> addresses) =>
        BackendFallback.InBoth($"{plugin} ipMasq teardown",
            () => backends(MasqueradeBackend.NfTables).Teardown(network, containerId, ifName, addresses),
            () => backends(MasqueradeBackend.IpTables).Teardown(network, containerId, ifName, addresses));

    public void Gc(string plugin, string network, IReadOnlyCollection<(string ContainerId, string IfName)> valid) =>
        BackendFallback.InBoth($"{plugin} ipMasq GC",
            () => backends(MasqueradeBackend.NfTables).Gc(network, valid),
            () => backends(MasqueradeBackend.IpTables).Gc(network, valid));
}
