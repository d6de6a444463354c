using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace LibCni.TestKit;

/// <summary>
/// A LAN with a real DHCP server, for the dhcp IPAM plugin's tests: a veth pair whose host end (<see cref="Master"/>)
/// is the master of the containers' macvlan links and whose far end sits in a server netns running dnsmasq on
/// 10.66.0.1/24. Leases are handed out from 10.66.0.100–199 with a router and a DNS server; T1 and T2 can be short so
/// renewal and rebinding happen within a test. Everything lives in the test's namespaces and its data dir.
/// </summary>
public sealed class DhcpLan : IDisposable
{
    public const string ServerAddress = "10.66.0.1";
    public const string Router = "10.66.0.1";
    public const string DnsServer = "10.66.0.53";

    private readonly string _dir;
    private readonly TimeSpan _renewal;
    private Process? _server;

    /// <param name="host">Where the master link is made: the netns the plugins and the daemon run in.</param>
    /// <param name="master">The master's name in <paramref name="host"/>.</param>
    /// <param name="renewal">T1 sent to clients (T2 is 1.75 × T1); the lease itself is dnsmasq's minimum, 2 minutes.</param>
    public DhcpLan(TestNetns host, string dataDir, string master = "lan0", TimeSpan? renewal = null)
    {
        Host = host;
        Master = master;
        _dir = Directory.CreateDirectory(Path.Combine(dataDir, "dnsmasq")).FullName;
        _renewal = renewal ?? TimeSpan.FromMinutes(1);
        Server = TestNetns.Create("cnidhcpsrv");
        host.Ip("link", "add", master, "type", "veth", "peer", "name", "lan0srv");
        host.Ip("link", "set", "lan0srv", "netns", Server.Name);
        host.Ip("link", "set", master, "up");
        Server.Ip("addr", "add", $"{ServerAddress}/24", "dev", "lan0srv");
        Server.Ip("link", "set", "lan0srv", "up");
        Server.Ip("link", "set", "lo", "up");
        StartServer();
    }

    public TestNetns Host { get; }

    public TestNetns Server { get; }

    public string Master { get; }

    public string LeaseFile => Path.Combine(_dir, "leases");

    public string LogFile => Path.Combine(_dir, "log");

    /// <summary>(Re)starts dnsmasq; the lease file is kept, so a restarted server still knows its leases.</summary>
    public void StartServer()
    {
        if (_server is { HasExited: false })
        {
            return;
        }

        var t1 = (int)_renewal.TotalSeconds;
        var t2 = (int)(_renewal.TotalSeconds * 1.75);
        _server = Shell.StartBackground("ip", "netns", "exec", Server.Name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--port=0", "--interface=lan0srv", "--bind-interfaces", "--dhcp-authoritative", "--log-dhcp",
            $"--log-facility={LogFile}", $"--dhcp-leasefile={LeaseFile}", $"--pid-file={Path.Combine(_dir, "pid")}",
            "--dhcp-range=10.66.0.100,10.66.0.199,255.255.255.0,2m",
            $"--dhcp-option=option:router,{Router}", $"--dhcp-option=option:dns-server,{DnsServer}",
            $"--dhcp-option=option:T1,{t1}", $"--dhcp-option=option:T2,{t2}");
        Wait(() => File.Exists(LogFile) && File.ReadAllText(LogFile).Contains("DHCP, IP range", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => "dnsmasq did not start: " + ServerLog());
    }

    /// <summary>Stops dnsmasq (SIGTERM) and waits for it to exit.</summary>
    public void StopServer()
    {
        if (_server is { HasExited: false } server)
        {
            server.Kill();
            server.WaitForExit();
        }
    }

    /// <summary>The server's leases by address, with the client MAC and client id as dnsmasq's lease file has them.</summary>
    public IReadOnlyDictionary<string, (string Mac, string ClientId, long Expiry)> Leases()
    {
        var leases = new Dictionary<string, (string, string, long)>();
        if (!File.Exists(LeaseFile))
        {
            return leases;
        }

        // "<expiry> <mac> <ip> <hostname> <client-id>"
        foreach (var line in File.ReadAllLines(LeaseFile))
        {
            var f = line.Split(' ');
            if (f.Length >= 5)
            {
                leases[f[2]] = (f[1], f[4], long.Parse(f[0], CultureInfo.InvariantCulture));
            }
        }

        return leases;
    }

    /// <summary>How many DHCPACKs the server has sent for <paramref name="address"/>.</summary>
    public int AcksFor(string address) =>
        ServerLog().Split('\n').Count(l => l.Contains("DHCPACK(lan0srv) " + address + " ", StringComparison.Ordinal));

    public string ServerLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>A macvlan (bridge mode) + dhcp network on this LAN.</summary>
    public JsonObject MacvlanConf(string cniVersion = "1.0.0", string name = "dhcpnet", string? socketPath = null)
    {
        var ipam = new JsonObject { ["type"] = "dhcp" };
        if (socketPath is not null)
        {
            ipam["daemonSocketPath"] = socketPath;
        }

        return new JsonObject
        {
            ["cniVersion"] = cniVersion,
            ["name"] = name,
            ["type"] = "macvlan",
            ["master"] = Master,
            ["mode"] = "bridge",
            ["ipam"] = ipam,
        };
    }

    public static void Wait(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(failure());
            }

            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        StopServer();
        _server?.Dispose();
        Server.Dispose();
        try
        {
            Host.Ip("link", "del", Master);
        }
        catch (InvalidOperationException)
        {
            // Gone with the host netns already.
        }
    }
}

/// <summary>
/// A <c>dhcp daemon</c> (ours or the reference's) in a test's host netns, on its own socket and state dir; SIGTERM on
/// dispose. Its stderr is kept for failure messages.
/// </summary>
public sealed class DhcpDaemon : IDisposable
{
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    public DhcpDaemon(TestNetns host, string binary, string dataDir, string[]? extraArgs = null)
    {
        Host = host;
        Binary = binary;
        SocketPath = Path.Combine(dataDir, "dhcp.sock");
        StateDir = Path.Combine(dataDir, "dhcp-leases");
        ExtraArgs = extraArgs ?? [];
        Start();
    }

    public TestNetns Host { get; }

    public string Binary { get; }

    public string SocketPath { get; }

    public string StateDir { get; }

    public string[] ExtraArgs { get; }

    public int Pid => _process?.Id ?? 0;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the daemon and waits until its socket accepts.</summary>
    public void Start()
    {
        // -statedir is ours; the reference's daemon refuses flags it does not know.
        string[] state = Binary.StartsWith(Repo.BinDir, StringComparison.Ordinal) ? ["-statedir", StateDir] : [];
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["netns", "exec", Host.Name, Binary, "daemon", "-socketpath", SocketPath, "-timeout", "2s", .. state, .. ExtraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start the dhcp daemon");
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        DhcpLan.Wait(Accepts, TimeSpan.FromSeconds(10), () => $"the dhcp daemon ({Binary}) did not listen on {SocketPath}: {Log}");
    }

    /// <summary>SIGKILL: no cleanup at all, the socket file stays behind.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            Shell.Run("kill", "-KILL", p.Id.ToString(CultureInfo.InvariantCulture));
            p.WaitForExit();
        }
    }

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public int Terminate()
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        Shell.Run("kill", "-TERM", p.Id.ToString(CultureInfo.InvariantCulture));
        if (!p.WaitForExit(10_000))
        {
            throw new TimeoutException($"the dhcp daemon ignored SIGTERM: {Log}");
        }

        p.WaitForExit();
        return p.ExitCode;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            Shell.Run("kill", "-TERM", p.Id.ToString(CultureInfo.InvariantCulture));
            if (!p.WaitForExit(5000))
            {
                p.Kill();
            }
        }

        _process?.Dispose();
    }

    private bool Accepts()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException($"the dhcp daemon exited {_process.ExitCode}: {Log}");
        }

        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            // The daemon's socket is in the test's mount namespace, whichever netns it listens from.
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(SocketPath));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
