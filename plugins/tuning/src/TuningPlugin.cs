using System.Globalization;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Tuning;

/// <summary>
/// The tuning plugin: a chained plugin that sets net sysctls and link attributes (MAC, MTU, promiscuous and
/// all-multicast mode, transmit queue length) on CNI_IFNAME inside the container, saving the link's original
/// values so DEL can put them back. prevResult is passed through, with the new MAC written into it.
/// </summary>
public sealed class TuningPlugin(ITuningKernel kernel, ITuningStateStore store, Func<string?> readAllowlist) : ICniPlugin
{
    public static TuningPlugin CreateDefault() => new(new KernelTuning(), new DiskStateStore(), ReadAllowlistFile);

    /// <summary>The allowlist file's text, or null when there is none (then every net.* key is allowed).</summary>
    public static string? ReadAllowlistFile()
    {
        try
        {
            return File.ReadAllText(Allowlist.DefaultPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public ICniResult Add(CmdArgs args)
    {
        var config = TuningConfig.Parse(args.StdinData, args.ParsedArgs, args.ConfigVersion);
        var sysctls = Keys(config, args.IfName);
        if (readAllowlist() is { } allowlist)
        {
            Allowlist.Parse(allowlist).Require(config.Sysctls.Select(kv => kv.Key));
        }

        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "Required prevResult missing", "tuning must be chained after a plugin that creates the interface");
        }

        using var netns = kernel.Enter(args.Netns);
        var written = WriteSysctls(netns, sysctls);
        try
        {
            if (config.ChangesLink)
            {
                TuneLink(netns, args, config);
            }
        }
        catch
        {
            RestoreSysctls(netns, written, args.Log);
            throw;
        }

        return config.Mac is { } mac ? WithMac(config.PrevResult, args.IfName, MacAddress.Format(mac)) : config.PrevResult;
    }

    public void Del(CmdArgs args)
    {
        var dataDir = TuningConfig.ParseDataDir(args.StdinData);
        SavedLinkState? saved;
        try
        {
            saved = store.Load(dataDir, args.ContainerId, args.IfName);
        }
        catch (InvalidDataException e)
        {
            // Nothing can be restored from it, and keeping it would leak it forever.
            args.Log.WriteLine($"tuning: removing unreadable saved state: {e.Message}");
            store.Delete(dataDir, args.ContainerId, args.IfName);
            return;
        }

        if (saved is null)
        {
            return;
        }

        TuningLink? link = null;
        ITuningNetns? netns = null;
        try
        {
            if (args.Netns.Length > 0)
            {
                netns = kernel.Enter(args.Netns);
                link = netns.GetLink(args.IfName);
            }
        }
        catch (NetnsNotFoundException)
        {
        }
        catch (IOException e)
        {
            // As the reference: DEL does not fail over a link it cannot inspect; the file stays for the next DEL.
            netns?.Dispose();
            args.Log.WriteLine($"tuning: could not look up {args.IfName} in {args.Netns}: {e.Message}");
            return;
        }

        using (netns)
        {
            if (netns is null || link is null)
            {
                // The interface went with its namespace: nothing left to restore, only the file to drop.
                store.Delete(dataDir, args.ContainerId, args.IfName);
                return;
            }

            var errors = Restore(netns, link, saved);
            if (errors.Count > 0)
            {
                // The reference reports success here and keeps the file; so do we, and say why on stderr.
                args.Log.WriteLine($"tuning: could not restore {args.IfName}: {string.Join("; ", errors)}");
                return;
            }

            store.Delete(dataDir, args.ContainerId, args.IfName);
        }
    }

    public void Check(CmdArgs args)
    {
        var config = TuningConfig.Parse(args.StdinData, args.ParsedArgs, args.ConfigVersion);
        var sysctls = Keys(config, args.IfName);
        if (config.PrevResult is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "Required prevResult missing", "tuning must be chained after a plugin that creates the interface");
        }

        using var netns = kernel.Enter(args.Netns);
        foreach (var (key, value) in sysctls)
        {
            var current = netns.ReadSysctl(key);
            if (current != value)
            {
                throw Mismatch($"Tuning configured value of {key.FullPath} is {value}, current value is {current}");
            }
        }

        var link = netns.GetLink(args.IfName) ?? throw new CniException(CniErrorCode.Internal, $"Cannot find container link {args.IfName}");
        VerifyLink(link, config);
    }

    /// <summary>CHECK's comparison of a link against the config, with the reference's messages.</summary>
    internal static void VerifyLink(TuningLink link, TuningConfig config)
    {
        if (config.Mac is { } mac && !mac.AsSpan().SequenceEqual(link.Mac))
        {
            throw Mismatch($"Tuning configured Ethernet of {link.Name} is {MacAddress.Format(mac)}, current value is {MacAddress.Format(link.Mac)}");
        }

        // promisc: false is not "leave alone" here: the reference's CHECK wants it off.
        if (config.Promisc != link.Promisc)
        {
            throw Mismatch($"Tuning link {link.Name} configured promisc is {Bool(config.Promisc)}, current value is {Bool(link.Promisc)}");
        }

        if (config.Mtu != 0 && config.Mtu != link.Mtu)
        {
            throw Mismatch($"Tuning configured MTU of {link.Name} is {Int(config.Mtu)}, current value is {Int(link.Mtu)}");
        }

        if (config.Allmulti is { } allmulti && allmulti != link.Allmulti)
        {
            throw Mismatch($"Tuning configured all-multicast mode of {link.Name} is {Bool(allmulti)}, current value is {Bool(link.Allmulti)}");
        }

        if (config.TxQLen is { } txQLen && txQLen != link.TxQueueLength)
        {
            throw Mismatch($"Tuning configured Transmit Queue Length of {link.Name} is {Int(txQLen)}, current value is {Int(link.TxQueueLength)}");
        }
    }

    /// <summary>prevResult with <paramref name="mac"/> on every interface named CNI_IFNAME, as the reference updates it.</summary>
    internal static ICniResult WithMac(ICniResult prevResult, string ifName, string mac)
    {
        if (prevResult is Result020)
        {
            return prevResult; // a 0.2.0 result has no interfaces to update
        }

        var result = ResultConverter.ToResult100(prevResult);
        foreach (var iface in result.Interfaces ?? [])
        {
            if (iface.Name == ifName)
            {
                iface.Mac = mac;
            }
        }

        return result;
    }

    private static List<(SysctlKey Key, string Value)> Keys(TuningConfig config, string ifName) =>
        config.Sysctls.Select(kv => (SysctlKey.Parse(kv.Key, ifName), kv.Value)).ToList();

    /// <summary>Writes every sysctl, after reading them all so a missing key changes nothing; returns the old values.</summary>
    private static List<(SysctlKey Key, string Old)> WriteSysctls(ITuningNetns netns, List<(SysctlKey Key, string Value)> sysctls)
    {
        var old = new List<(SysctlKey Key, string Old)>();
        foreach (var (key, _) in sysctls)
        {
            try
            {
                old.Add((key, netns.ReadSysctl(key)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"cannot read sysctl \"{key.Key}\" ({key.FullPath}): {e.Message}", $"sysctl key \"{key.Key}\"");
            }
        }

        var written = new List<(SysctlKey Key, string Old)>();
        for (var i = 0; i < sysctls.Count; i++)
        {
            var (key, value) = sysctls[i];
            try
            {
                netns.WriteSysctl(key, value);
                written.Add(old[i]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RestoreSysctls(netns, written, TextWriter.Null);
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"cannot set sysctl \"{key.Key}\" ({key.FullPath}) to \"{value}\": {e.Message}", $"sysctl key \"{key.Key}\"");
            }
        }

        return written;
    }

    private static void RestoreSysctls(ITuningNetns netns, List<(SysctlKey Key, string Old)> written, TextWriter log)
    {
        for (var i = written.Count - 1; i >= 0; i--)
        {
            try
            {
                netns.WriteSysctl(written[i].Key, written[i].Old);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"tuning: could not restore sysctl {written[i].Key.Key}: {e.Message}");
            }
        }
    }

    /// <summary>Saves the link's values, then changes them in the reference's order; a failure puts back what was changed.</summary>
    private void TuneLink(ITuningNetns netns, CmdArgs args, TuningConfig config)
    {
        var link = netns.GetLink(args.IfName) ?? throw new CniException(CniErrorCode.Internal, $"failed to get \"{args.IfName}\": link not found");
        var saved = SavedLinkState.Snapshot(link, config);
        var dataDir = config.DataDir;
        try
        {
            store.Save(dataDir, args.ContainerId, args.IfName, saved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"failed to save the original values of {args.IfName} in {dataDir}: {e.Message}", "dataDir");
        }

        try
        {
            if (config.Mac is { } mac)
            {
                Kernel($"set MAC address of {args.IfName} to {MacAddress.Format(mac)}", () => netns.SetMac(link.Index, mac));
            }

            if (config.Promisc)
            {
                Kernel($"set promiscuous mode on {args.IfName}", () => netns.SetPromisc(link.Index, true));
            }

            if (config.Mtu != 0)
            {
                Kernel($"set MTU of {args.IfName} to {Int(config.Mtu)}", () => netns.SetMtu(link.Index, config.Mtu));
            }

            if (config.Allmulti is { } allmulti)
            {
                Kernel($"set all-multicast mode of {args.IfName} to {Bool(allmulti)}", () => netns.SetAllmulti(link.Index, allmulti));
            }

            if (config.TxQLen is { } txQLen)
            {
                Kernel($"set transmit queue length of {args.IfName} to {Int(txQLen)}", () => netns.SetTxQueueLength(link.Index, txQLen));
            }
        }
        catch
        {
            var errors = Restore(netns, link, saved);
            if (errors.Count > 0)
            {
                args.Log.WriteLine($"tuning: undoing a failed ADD: {string.Join("; ", errors)}");
            }

            store.Delete(dataDir, args.ContainerId, args.IfName);
            throw;
        }
    }

    /// <summary>Puts saved values back in the reference's order (MTU first, so a MAC change cannot fail on it); returns what failed.</summary>
    private static List<string> Restore(ITuningNetns netns, TuningLink link, SavedLinkState saved)
    {
        var errors = new List<string>();
        void Try(string what, Action action)
        {
            try
            {
                action();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                errors.Add($"failed to restore {what}: {e.Message}");
            }
        }

        if (saved.Mtu != 0)
        {
            Try("MTU", () => netns.SetMtu(link.Index, saved.Mtu));
        }

        if (!string.IsNullOrEmpty(saved.Mac))
        {
            if (MacAddress.TryParse(saved.Mac, out var mac))
            {
                Try("MAC address", () => netns.SetMac(link.Index, mac));
            }
            else
            {
                errors.Add($"failed to restore MAC address: invalid saved address \"{saved.Mac}\"");
            }
        }

        if (saved.Promisc is { } promisc)
        {
            Try("promiscuous mode", () => netns.SetPromisc(link.Index, promisc));
        }

        if (saved.Allmulti is { } allmulti)
        {
            Try("all-multicast mode", () => netns.SetAllmulti(link.Index, allmulti));
        }

        if (saved.TxQLen is { } txQLen)
        {
            Try("transmit queue length", () => netns.SetTxQueueLength(link.Index, txQLen));
        }

        return errors;
    }

    private static void Kernel(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to {what}: {e.Message}");
        }
    }

    private static CniException Mismatch(string message) => new(CniErrorCode.Internal, "Error: " + message);

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
