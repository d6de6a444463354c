using System.Diagnostics;
using System.Text.RegularExpressions;
using CniPlugins.Firewall;
using LibCni.Netfilter;
using LibCni.TestKit;

namespace Firewall.Tests;

/// <summary>The real iptables-save/iptables-restore, run inside a test netns with <c>ip netns exec</c>.</summary>
internal sealed class NetnsIptables(TestNetns ns) : IIptablesTables
{
    public bool IsAvailable(bool ipv6) => true;

    public bool HasTable(bool ipv6, string table) => true;

    public IptablesTable Save(bool ipv6, string table) => IptablesTable.Parse(Shell.Run("ip", "netns", "exec", ns.Name, ipv6 ? "ip6tables-save" : "iptables-save", "-t", table), table);

    public void Restore(bool ipv6, string script) =>
        Shell.Run("ip", ["netns", "exec", ns.Name, ipv6 ? "ip6tables-restore" : "iptables-restore", "--noflush", "-w", "5"], script, null);

    /// <summary>The filter table as iptables-save prints it, without the dated header comments and counters.</summary>
    public static string Filter(TestNetns ns, bool ipv6) =>
        Regex.Replace(string.Join('\n', Shell.Run("ip", "netns", "exec", ns.Name, ipv6 ? "ip6tables-save" : "iptables-save", "-t", "filter")
            .Split('\n').Where(l => !l.StartsWith('#'))), @"\[\d+:\d+\]", "[0:0]");
}

/// <summary>
/// Debian's firewalld on a private system bus (scripts/private-firewalld), in a netns of its own: it
/// programs only that netns and its bus is a socket in a temp directory, never the machine's.
/// </summary>
public sealed class PrivateFirewalld : IDisposable
{
    private readonly Process _process;
    private readonly string _dir = Directory.CreateTempSubdirectory("cni-firewalld").FullName;

    public PrivateFirewalld()
    {
        PrivateHost.Require();
        Netns = TestNetns.Create("cnifwd");
        _process = Shell.StartBackground("ip", "netns", "exec", Netns.Name, Path.Combine(Repo.Root, "scripts", "private-firewalld"), _dir);
        Address = $"unix:path={_dir}/system_bus_socket";
        for (var attempt = 0; !Running(); attempt++)
        {
            if (_process.HasExited || attempt > 600)
            {
                throw new InvalidOperationException($"firewalld did not come up on the private bus: {(_process.HasExited ? _process.StandardError.ReadToEnd() : "still starting")}");
            }

            Thread.Sleep(100);
        }
    }

    public TestNetns Netns { get; }

    private bool Running()
    {
        if (!File.Exists($"{_dir}/system_bus_socket"))
        {
            return false;
        }

        using var probe = new DbusFirewalld(Address);
        return probe.IsRunning();
    }

    public string Address { get; }

    /// <summary>firewalld's own view: the nftables ruleset it made in its netns.</summary>
    public string Ruleset() => Shell.Run("ip", "netns", "exec", Netns.Name, "nft", "list", "ruleset");

    public void Dispose()
    {
        // SIGTERM lets the script stop dbus-daemon and firewalld; SIGKILL only if that fails.
        Shell.Run("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Netns.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
