using System.Diagnostics;
using System.Text;

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

    IptablesTable SaveNat(bool ipv6);

    /// <summary>Applies an iptables-restore script atomically (all or nothing) without flushing other chains.</summary>
    void RestoreNat(bool ipv6, string script);
}

public sealed partial class IptablesRunner : IIptablesRunner
{
    public static IptablesRunner Instance { get; } = new();

    private static readonly string[] SearchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    // The save that proved a family available, kept for the SaveNat that callers make right after it, so a
    // teardown in a backend costs one iptables-save per family, not two.
    private readonly string?[] _availabilitySave = new string?[2];

    public bool IsAvailable(bool ipv6)
    {
        if (Find(ipv6 ? "ip6tables-restore" : "iptables-restore") is null || Find(ipv6 ? "ip6tables-save" : "iptables-save") is null)
        {
            return false;
        }

        var (exit, stdout, _) = Run(Find(ipv6 ? "ip6tables-save" : "iptables-save")!, ["-t", "nat"], null);
        _availabilitySave[ipv6 ? 1 : 0] = exit == 0 ? stdout : null;
        return exit == 0;
    }

    public IptablesTable SaveNat(bool ipv6)
    {
        if (_availabilitySave[ipv6 ? 1 : 0] is { } fresh)
        {
            _availabilitySave[ipv6 ? 1 : 0] = null;
            return IptablesTable.Parse(fresh);
        }

        var tool = ipv6 ? "ip6tables-save" : "iptables-save";
        var (exit, stdout, stderr) = Run(Find(tool) ?? throw new IOException($"{tool} not found"), ["-t", "nat"], null);
        if (exit != 0)
        {
            throw new IOException($"{tool} -t nat failed (exit {exit}): {stderr.Trim()}");
        }

        return IptablesTable.Parse(stdout);
    }

    public void RestoreNat(bool ipv6, string script)
    {
        _availabilitySave[ipv6 ? 1 : 0] = null;
        var tool = ipv6 ? "ip6tables-restore" : "iptables-restore";
        var (exit, _, stderr) = Run(Find(tool) ?? throw new IOException($"{tool} not found"), ["--noflush", "-w", "5"], script);
        if (exit != 0)
        {
            throw new IOException($"{tool} --noflush failed (exit {exit}): {stderr.Trim()}");
        }
    }

    private static string? Find(string tool) =>
        SearchPath.Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? stdin)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new IOException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.Write(stdin ?? "");
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Exited before reading its input; the exit status tells why.
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
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
