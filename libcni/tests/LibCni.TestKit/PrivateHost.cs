using System.Diagnostics;
using LibCni.Kernel;
using Xunit;

namespace LibCni.TestKit;

/// <summary>
/// Guards every privileged test: they run only inside a private "host" netns made by
/// <c>scripts/in-private-netns</c> (as <c>make test</c> does), never in the machine's real one.
/// </summary>
public static class PrivateHost
{
    private static readonly Lazy<string?> Refusal = new(FindRefusal);

    /// <summary>Fails the calling test unless the process sits in a private, test-only network namespace.</summary>
    public static void Require()
    {
        if (Refusal.Value is { } reason)
        {
            Assert.Fail($"refusing to run a privileged test: {reason}. Run it through `make test` or `scripts/in-private-netns dotnet test ...`.");
        }
    }

    private static string? FindRefusal()
    {
        if (Environment.GetEnvironmentVariable("CNI_PRIVATE_HOST") != "1")
        {
            return "CNI_PRIVATE_HOST is not set, so this is not a namespace made by scripts/in-private-netns";
        }

        // The namespace scripts/in-private-netns made, by inode: not a guess from the links in it, which other
        // assemblies' tests running at the same time add and remove.
        const ulong initialNetnsInode = 0xEFFFFFF9; // the kernel's PROC_NET_INIT_INO
        var inode = NetnsIdentity.Inode("/proc/self/ns/net");
        if (inode is null)
        {
            return "cannot stat /proc/self/ns/net to tell this network namespace from the machine's";
        }

        if (inode == initialNetnsInode)
        {
            return "this is the kernel's initial network namespace, the machine's own";
        }

        var made = Environment.GetEnvironmentVariable("CNI_PRIVATE_NETNS_INODE");
        return made == inode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? null
            : $"this network namespace (inode {inode}) is not the one scripts/in-private-netns made (CNI_PRIVATE_NETNS_INODE={made ?? "unset"})";
    }
}

/// <summary>A named netns under /run/netns (a private tmpfs in the test host), deleted on dispose.</summary>
public sealed class TestNetns : IDisposable
{
    private TestNetns(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string Path => $"/run/netns/{Name}";

    /// <summary>Creates a namespace with a random name (the prefix keeps test objects recognisable).</summary>
    public static TestNetns Create(string prefix = "cnitest")
    {
        PrivateHost.Require();
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
        Shell.Run("ip", "netns", "add", name);
        return new TestNetns(name);
    }

    /// <summary>Runs <c>ip -n NAME ...</c> and returns its stdout: an independent view of kernel state.</summary>
    public string Ip(params string[] args) => Shell.Run("ip", ["-n", Name, .. args]);

    public void Dispose()
    {
        try
        {
            Shell.Run("ip", "netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            // Already removed by the test itself.
        }
    }
}

/// <summary>Runs a helper command for test setup or inspection and fails loudly on a non-zero exit.</summary>
public static class Shell
{
    public static string Run(string file, params string[] args) => Run(file, args, stdin: null, environment: null).Stdout;

    public static ProcessResult Run(string file, IEnumerable<string> args, string? stdin, IDictionary<string, string>? environment, bool check = true)
    {
        var result = Exec(file, args, stdin, environment);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        }

        return result;
    }

    /// <summary>Starts a helper (a test server, say) in the background; the caller kills and disposes it.</summary>
    public static Process StartBackground(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    public static ProcessResult Exec(string file, IEnumerable<string> args, string? stdin, IDictionary<string, string>? environment, bool clearEnvironment = false)
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

        if (clearEnvironment)
        {
            var keep = info.Environment.Where(kv => kv.Key is "PATH" or "CNI_PRIVATE_HOST").ToList();
            info.Environment.Clear();
            foreach (var kv in keep)
            {
                info.Environment[kv.Key] = kv.Value;
            }
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Written to the raw pipe (no writer buffer left to flush on dispose): a program may exit without reading
        // stdin, e.g. a plugin rejecting its environment first, and the broken pipe that causes is not an error.
        var input = process.StandardInput.BaseStream;
        try
        {
            if (stdin is not null)
            {
                input.Write(System.Text.Encoding.UTF8.GetBytes(stdin));
            }
        }
        catch (IOException)
        {
        }
        finally
        {
            try
            {
                input.Close();
            }
            catch (IOException)
            {
            }
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 60 s");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);
