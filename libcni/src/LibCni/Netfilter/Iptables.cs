using System.Text;
using LibCni.Invoke;
using LibCni.Kernel;

namespace LibCni.Netfilter;

/// <summary>The nat table as iptables-save prints it: which chains exist and their rules, as rule lines.</summary>
public sealed class IptablesTable
{
    private readonly Dictionary<string, List<string>> _rules = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Chains => _rules.Keys;

    public bool HasChain(string chain) => _rules.ContainsKey(chain);

    /// <summary>Rules of a chain without the leading "-A CHAIN ", in order.</summary>
    public IReadOnlyList<string> Rules(string chain) => _rules.TryGetValue(chain, out var rules) ? rules : [];

    /// <summary>Parses one table of iptables-save output (lines between "*table" and "COMMIT").</summary>
    public static IptablesTable Parse(string save, string table = "nat")
    {
        var parsed = new IptablesTable();
        var inTable = false;
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                inTable = line[1..] == table;
                continue;
            }

            if (!inTable || line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line == "COMMIT")
            {
                inTable = false;
            }
            else if (line[0] == ':')
            {
                var name = line[1..].Split(' ')[0];
                parsed._rules.TryAdd(name, []);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var rest = line[3..];
                var space = rest.IndexOf(' ');
                var chain = space < 0 ? rest : rest[..space];
                if (!parsed._rules.TryGetValue(chain, out var rules))
                {
                    parsed._rules[chain] = rules = [];
                }

                rules.Add(space < 0 ? "" : rest[(space + 1)..]);
            }
        }

        return parsed;
    }
}

/// <summary>
/// The iptables backend's only contact with the system: one iptables-save to read the nat table and one
/// iptables-restore --noflush to apply a whole change, per family, waiting for the xtables lock.
/// </summary>
public interface IIptablesRunner
{
    /// <summary>False when this family's iptables cannot be used on this host.</summary>
    bool IsAvailable(bool ipv6);

    /// <summary>
    /// True when the kernel holds this family's <paramref name="table"/> (in either iptables flavour) and
    /// iptables can read it. False means no iptables rule can be there: teardown and GC ask this first, and a
    /// host without the table pays a /proc read and one netlink dump instead of an iptables-save.
    /// </summary>
    bool HasTable(bool ipv6, string table);

    IptablesTable SaveNat(bool ipv6);

    /// <summary>Applies an iptables-restore script atomically (all or nothing) without flushing other chains.</summary>
    void RestoreNat(bool ipv6, string script);
}

public sealed partial class IptablesRunner : IIptablesRunner
{
    public static IptablesRunner Instance { get; } = new();

    private static readonly string[] SearchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    // The save that proved a table readable, kept for the Save that callers make right after it, so a
    // teardown costs one iptables-save per family and table, not two.
    private readonly Dictionary<(bool Ipv6, string Table), string> _provenSaves = [];

    // The kernel's answer per netns, family and table, so a teardown that asks in several places (firewall DEL asks
    // three times per family) reads /proc and dumps nftables tables once. Cleared when we restore a table ourselves.
    private readonly Dictionary<((uint, uint, ulong)? Netns, bool Ipv6, string Table), bool> _kernelHolds = [];

    public bool IsAvailable(bool ipv6) => CanSave(ipv6, "nat");

    public bool HasTable(bool ipv6, string table)
    {
        var key = (NetnsIdentity.Identify("/proc/thread-self/ns/net"), ipv6, table);
        if (!_kernelHolds.TryGetValue(key, out var holds))
        {
            _kernelHolds[key] = holds = KernelHolds(ipv6, table);
        }

        return holds && CanSave(ipv6, table);
    }

    public IptablesTable SaveNat(bool ipv6) => Save(ipv6, "nat");

    public IptablesTable Save(bool ipv6, string table)
    {
        if (_provenSaves.Remove((ipv6, table), out var fresh))
        {
            return IptablesTable.Parse(fresh, table);
        }

        var tool = SaveTool(ipv6);
        var (exit, stdout, stderr) = Run(Find(tool) ?? throw new IOException($"{tool} not found"), ["-t", table], null);
        if (exit != 0)
        {
            throw new IOException($"{tool} -t {table} failed (exit {exit}): {stderr.Trim()}");
        }

        return IptablesTable.Parse(stdout, table);
    }

    /// <summary>
    /// Whether the kernel holds an iptables table in this netns: iptables-legacy lists the tables it has made in
    /// /proc/net/ip{,6}_tables_names (read through thread-self); iptables-nft keeps each as an nftables table of that name in the ip or
    /// ip6 family. When the kernel cannot be asked, the answer is yes, and iptables-save decides.
    /// </summary>
    internal static bool KernelHolds(bool ipv6, string table)
    {
        try
        {
            // thread-self: /proc/net is the main thread's netns, and namespace work runs on threads of its own.
            if (File.ReadAllLines(ipv6 ? "/proc/thread-self/net/ip6_tables_names" : "/proc/thread-self/net/ip_tables_names").Contains(table, StringComparer.Ordinal))
            {
                return true;
            }
        }
        catch (IOException)
        {
            // No legacy tables: the ip_tables module is not loaded.
        }

        try
        {
            using var nft = NftClient.Open();
            return nft.ListTables(ipv6 ? NftFamily.Ip6 : NftFamily.Ip).Any(t => t.Name == table);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private bool CanSave(bool ipv6, string table)
    {
        var save = Find(SaveTool(ipv6));
        if (save is null || Find(ipv6 ? "ip6tables-restore" : "iptables-restore") is null)
        {
            return false;
        }

        var (exit, stdout, _) = Run(save, ["-t", table], null);
        if (exit != 0)
        {
            _provenSaves.Remove((ipv6, table));
            return false;
        }

        _provenSaves[(ipv6, table)] = stdout;
        return true;
    }

    private static string SaveTool(bool ipv6) => ipv6 ? "ip6tables-save" : "iptables-save";

    public void RestoreNat(bool ipv6, string script)
    {
        _provenSaves.Clear();
        _kernelHolds.Clear();
        var tool = ipv6 ? "ip6tables-restore" : "iptables-restore";
        var (exit, _, stderr) = Run(Find(tool) ?? throw new IOException($"{tool} not found"), ["--noflush", "-w", "5"], script);
        if (exit != 0)
        {
            throw new IOException($"{tool} --noflush failed (exit {exit}): {stderr.Trim()}");
        }
    }

    private static string? Find(string tool) =>
        SearchPath.Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, IReadOnlyList<string> args, string? stdin)
    {
        var output = PluginProcess.Run(file, args, PluginEnvironmentVariables.OfProcess(), Encoding.UTF8.GetBytes(stdin ?? ""));
        return (output.Exit.Success ? 0 : Math.Max(output.Exit.ExitCode, 1), Encoding.UTF8.GetString(output.Stdout), Encoding.UTF8.GetString(output.Stderr));
    }
}

/// <summary>Builds an iptables-restore script for one table (nat unless told).</summary>
public sealed class IptablesScript(string table)
{
    public IptablesScript()
        : this("nat")
    {
    }

    private readonly StringBuilder _chains = new();
    private readonly StringBuilder _rules = new();

    public bool IsEmpty => _chains.Length == 0 && _rules.Length == 0;

    /// <summary>Declares a chain. With --noflush this creates it, or FLUSHES it if it exists: only for chains we own whole.</summary>
    public IptablesScript DeclareChain(string chain)
    {
        _chains.Append(':').Append(chain).Append(" - [0:0]\n");
        return this;
    }

    public IptablesScript Line(string line)
    {
        _rules.Append(line).Append('\n');
        return this;
    }

    public override string ToString() => $"*{table}\n{_chains}{_rules}COMMIT\n";
}
