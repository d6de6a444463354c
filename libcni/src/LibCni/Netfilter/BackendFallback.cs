using LibCni.Types;

namespace LibCni.Netfilter;

/// <summary>
/// Backend choice when a config names none: nftables where it works (we speak it in-process, no iptables
/// binary needed), else iptables. There is no probe: the ADD's own nftables transaction is the test, so a
/// host where nftables works pays nothing extra. Teardown runs in both backends, because an attachment may
/// have been made by another implementation (the reference defaults to iptables) or another config.
/// </summary>
public static class BackendFallback
{
    /// <summary>
    /// Runs <paramref name="nftables"/>; if it fails with an I/O error (no nf_tables, no nat in an inet table on a
    /// kernel before 5.2, ...), runs <paramref name="undoNftables"/> best effort, logs one line and runs
    /// <paramref name="iptables"/>. When both fail the error names both.
    /// </summary>
    public static void Run(string what, Action nftables, Action undoNftables, Action iptables, TextWriter log)
    {
        try
        {
            nftables();
            return;
        }
        catch (IOException nftError)
        {
            try
            {
                undoNftables();
            }
            catch (IOException)
            {
                // What nftables could not make it has nothing to undo.
            }

            log.WriteLine($"{what}: nftables does not work here ({nftError.Message}); falling back to iptables");
            try
            {
                iptables();
            }
            catch (IOException iptablesError)
            {
                throw new CniException(CniErrorCode.Internal, $"{what}: neither nftables nor iptables works on this host",
                    $"nftables: {nftError.Message}; iptables: {iptablesError.Message}");
            }
        }
    }

    /// <summary>
    /// Sets up with <paramref name="asked"/> when the config names a backend; else with nftables, falling back to
    /// iptables as <see cref="Run"/> does. Returns the backend that holds the result, for the rollback.
    /// </summary>
    public static T SetupPreferringNftables<T>(string what, T? asked, Func<T> nftables, Func<T> iptables, Action<T> setup, Action<T> undo, TextWriter log)
        where T : class
    {
        if (asked is not null)
        {
            setup(asked);
            return asked;
        }

        var nft = nftables();
        var used = nft;
        Run(what, () => setup(nft), () => undo(nft), () =>
        {
            used = iptables();
            setup(used);
        }, log);
        return used;
    }

    /// <summary>
    /// Runs a teardown in both backends, each even if the other failed. A failure of nftables where the
    /// kernel has no nf_tables at all is no failure (nothing can be there); any other is reported, both joined.
    /// </summary>
    public static void InBoth(string what, Action nftables, Action iptables)
    {
        var errors = new List<string>();
        try
        {
            nftables();
        }
        catch (Interop.ErrnoException e) when (e.Errno is Kernel.Errno.EPROTONOSUPPORT or Kernel.Errno.EAFNOSUPPORT)
        {
            // No nf_tables in this kernel: no rules of ours either.
        }
        catch (IOException e)
        {
            errors.Add($"nftables: {e.Message}");
        }

        try
        {
            iptables();
        }
        catch (IOException e)
        {
            errors.Add($"iptables: {e.Message}");
        }

        if (errors.Count > 0)
        {
            throw new CniException(CniErrorCode.Internal, $"{what}: {string.Join("; ", errors)}");
        }
    }
}
