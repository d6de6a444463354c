using System.Net.Sockets;
using System.Runtime.InteropServices;
using LibCni.Kernel;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// <c>dhcp daemon [flags]</c>: listens on the socket systemd passed (LISTEN_FDS) or on
/// <c>&lt;hostprefix&gt;&lt;socketpath&gt;</c>, serves each connection on its own thread, and on SIGINT/SIGTERM removes
/// the socket and pidfile and exits 0. Leases are not released on exit: containers keep their addresses.
/// </summary>
public static class DaemonMain
{
    private const int ListenFdsStart = 3;

    public static int Run(string[] args)
    {
        DaemonOptions options;
        try
        {
            options = DaemonOptions.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(DaemonOptions.Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.Error.WriteLine(DaemonOptions.Usage);
            return 0;
        }

        if (options.PidFile.Length > 0)
        {
            if (!Path.IsPathRooted(options.PidFile))
            {
                return Fatal($"Error writing pidfile \"{options.PidFile}\": path not absolute");
            }

            try
            {
                File.WriteAllText(options.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fatal($"Error writing pidfile \"{options.PidFile}\": {e.Message}");
            }
        }

        Socket listener;
        string? ownedPath = null;
        try
        {
            (listener, ownedPath) = Listen(options);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Fatal($"Error getting listener: {e.Message}");
        }

        var store = new LeaseStore(options.StateDir.Length == 0 ? "" : options.HostPrefix + options.StateDir);
        var service = new DhcpService(options, store);
        if (service.Resume() is var resumed and > 0)
        {
            DaemonLog.Write($"resumed {resumed} saved lease(s)");
        }

        void Shutdown(PosixSignalContext context)
        {
            // Files first: closing the listener lets the accept loop return and the process end.
            context.Cancel = true;
            if (ownedPath is not null)
            {
                File.Delete(ownedPath);
            }

            if (options.PidFile.Length > 0)
            {
                File.Delete(options.PidFile);
            }

            listener.Dispose();
            Environment.Exit(0);
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Shutdown);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Shutdown);
        while (true)
        {
            Socket connection;
            try
            {
                connection = listener.Accept();
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
            catch (SocketException e)
            {
                DaemonLog.Write($"accept: {e.Message}");
                continue;
            }

            new Thread(() => RpcServer.Serve(connection, service)) { IsBackground = true, Name = "rpc" }.Start();
        }
    }

    private static (Socket Listener, string? OwnedPath) Listen(DaemonOptions options)
    {
        // Socket activation, as go-systemd reads it: fds from 3, only when LISTEN_PID is ours.
        if (Environment.GetEnvironmentVariable("LISTEN_FDS") is { Length: > 0 } fds &&
            Environment.GetEnvironmentVariable("LISTEN_PID") is var pid &&
            (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)) &&
            int.TryParse(fds, out var count) && count > 0)
        {
            if (count > 1)
            {
                throw new InvalidOperationException($"Too many ({count}) FDs passed through socket activation");
            }

            return (new Socket(new SafeSocketHandle(ListenFdsStart, ownsHandle: true)), null);
        }

        var path = options.HostPrefix + options.SocketPath;
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        RemoveStaleSocket(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(128);
            return (socket, path);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"listen unix {path}: bind: {(e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : e.Message)}", e);
        }
    }

    /// <summary>
    /// A daemon killed with SIGKILL leaves its socket file behind, and the reference then refuses to start until an
    /// operator removes it. A socket nobody accepts on is removed; a live daemon's socket is left for bind to refuse.
    /// </summary>
    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            DaemonLog.Write($"removing stale socket {path} (no daemon accepts on it)");
            File.Delete(path);
        }
        catch (SocketException)
        {
        }
    }

    private static int Fatal(string message)
    {
        DaemonLog.Write(message);
        return 1;
    }
}
