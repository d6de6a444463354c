using LibCni.Types;
using LibCni.Kernel;

namespace CniPlugins.Firewall;

/// <summary>The three firewalld zone calls the reference makes, plus "is it running".</summary>
public interface IFirewalld
{
    /// <summary>True when org.fedoraproject.FirewallD1 has an owner on the system bus.</summary>
    bool IsRunning();

    void AddSource(string zone, string source);

    void RemoveSource(string zone, string source);

    bool QuerySource(string zone, string source);
}

/// <summary>A D-Bus error reply from firewalld: its error name and message (e.g. "ZONE_ALREADY_SET: ...").</summary>
public sealed class FirewalldException(string errorName, string message) : Exception($"{errorName}: {message}")
{
    public string ErrorName { get; } = errorName;
}

/// <summary>
/// The firewalld backend, as the reference: each address of prevResult (ADDR/32 or ADDR/128) becomes a
/// source of the zone (trusted by default). firewalld does the rest in its own ruleset.
/// </summary>
public sealed class FirewalldFirewall(IFirewalld firewalld) : IFirewall
{
    public string Name => "firewalld";

    public void Add(FirewallRequest request)
    {
        var zone = request.Config.FirewalldZone;
        foreach (var address in request.Addresses.Distinct())
        {
            var source = FirewallConfig.HostPrefix(address);
            try
            {
                firewalld.AddSource(zone, source);
            }
            catch (FirewalldException e) when (e.Message.Contains("ZONE_ALREADY_SET", StringComparison.Ordinal))
            {
                // Already a source of this zone: ADD is idempotent.
            }
            catch (Exception e) when (e is FirewalldException or IOException)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to add the address {source} to {zone} zone: {e.Message}");
            }
        }
    }

    public void Check(FirewallRequest request)
    {
        var zone = request.Config.FirewalldZone;
        foreach (var address in request.Addresses.Distinct())
        {
            var source = FirewallConfig.HostPrefix(address);
            bool found;
            try
            {
                found = firewalld.QuerySource(zone, source);
            }
            catch (Exception e) when (e is FirewalldException or IOException)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to find the address {source} in {zone} zone", e.Message);
            }

            // The reference only fails when the call fails; a "false" answer is a missing source too.
            if (!found)
            {
                throw new CniException(CniErrorCode.Internal, $"failed to find the address {source} in {zone} zone");
            }
        }
    }

    public void Del(FirewallRequest request)
    {
        foreach (var address in request.Addresses.Distinct())
        {
            try
            {
                firewalld.RemoveSource(request.Config.FirewalldZone, FirewallConfig.HostPrefix(address));
            }
            catch (Exception e) when (e is FirewalldException or IOException)
            {
                // Gone already (UNKNOWN_SOURCE) or firewalld stopped: DEL ignores it, as the reference does.
            }
        }
    }
}

/// <summary>
/// <see cref="IFirewalld"/> over the system bus (DBUS_SYSTEM_BUS_ADDRESS, else the standard socket): no
/// firewall-cmd, and no D-Bus library. A blocking Unix socket (<see cref="UnixStream"/>) carries the SASL EXTERNAL handshake, Hello and
/// each call in turn (<see cref="DbusWire"/>), so a firewall run starts no thread pool: the reference asks the bus
/// on every call whether firewalld runs, and the library's async machinery cost 1.4 MB of RSS per run.
/// Connects on first use.
/// </summary>
public sealed class DbusFirewalld : IFirewalld, IDisposable
{
    public const string Service = "org.fedoraproject.FirewallD1";
    public const string ObjectPath = "/org/fedoraproject/FirewallD1";
    public const string ZoneInterface = "org.fedoraproject.FirewallD1.zone";
    public const string DefaultSystemBus = "unix:path=/run/dbus/system_bus_socket";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(25);

    private readonly string? _address;
    private UnixStream? _socket;
    private uint _serial;

    /// <param name="address">A bus address; null means the system bus.</param>
    public DbusFirewalld(string? address = null)
    {
        _address = address;
    }

    public bool IsRunning()
    {
        try
        {
            return Call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", Service).FirstBool();
        }
        catch (Exception e) when (e is IOException or FirewalldException)
        {
            return false;
        }
    }

    public void AddSource(string zone, string source) => Call(Service, ObjectPath, ZoneInterface, "addSource", zone, source);

    public void RemoveSource(string zone, string source) => Call(Service, ObjectPath, ZoneInterface, "removeSource", zone, source);

    public bool QuerySource(string zone, string source) => Call(Service, ObjectPath, ZoneInterface, "querySource", zone, source).FirstBool();

    public void Dispose() => _socket?.Dispose();

    /// <summary>The unix: addresses of a bus address list, in order: (path or abstract name, abstract).</summary>
    public static IEnumerable<(string Name, bool Abstract)> UnixEndpoints(string address)
    {
        foreach (var entry in address.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("unix:", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var pair in entry["unix:".Length..].Split(','))
            {
                var equals = pair.IndexOf('=');
                var (key, value) = equals < 0 ? (pair, "") : (pair[..equals], Uri.UnescapeDataString(pair[(equals + 1)..]));
                if (key is "path" or "abstract")
                {
                    yield return (value, key == "abstract");
                }
            }
        }
    }

    private DbusMessage Call(string destination, string path, string iface, string member, params string[] args)
    {
        var socket = Connect();
        var serial = ++_serial;
        try
        {
            socket.Send(DbusWire.MethodCall(serial, destination, path, iface, member, args));
            while (true)
            {
                var reply = Receive(socket);
                if (reply.ReplySerial != serial || reply.Type is not (DbusMessageType.MethodReturn or DbusMessageType.Error))
                {
                    continue; // a signal (NameAcquired after Hello) or another call's reply
                }

                return reply.Type == DbusMessageType.Error
                    ? throw new FirewalldException(reply.ErrorName ?? "org.freedesktop.DBus.Error.Failed", reply.FirstString() ?? "")
                    : reply;
            }
        }
        catch (IOException e)
        {
            // The stream may be mid-message: the next call connects afresh.
            _socket?.Dispose();
            _socket = null;
            throw new IOException($"D-Bus call {iface}.{member} failed: {e.Message}", e);
        }
    }

    private UnixStream Connect()
    {
        if (_socket is not null)
        {
            return _socket;
        }

        var address = _address ?? Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") ?? DefaultSystemBus;
        var failure = "no unix: address";
        foreach (var (name, isAbstract) in UnixEndpoints(address))
        {
            UnixStream? socket = null;
            try
            {
                socket = UnixStream.Connect(name, isAbstract, CallTimeout);
                Authenticate(socket);
                _socket = socket;
                Call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello");
                return socket;
            }
            catch (Exception e) when (e is IOException)
            {
                socket?.Dispose();
                _socket = null;
                failure = e.Message;
            }
        }

        throw new IOException($"cannot connect to the system bus at {address}: {failure}");
    }

    /// <summary>SASL EXTERNAL with our uid, as every D-Bus client on Linux authenticates to the system bus.</summary>
    private static void Authenticate(UnixStream socket)
    {
        var uid = System.Text.Encoding.ASCII.GetBytes(LibCni.Kernel.ProcessCredentials.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        socket.Send(System.Text.Encoding.ASCII.GetBytes($"\0AUTH EXTERNAL {Convert.ToHexStringLower(uid)}\r\n"));
        var line = ReadLine(socket);
        if (!line.StartsWith("OK ", StringComparison.Ordinal))
        {
            throw new IOException($"D-Bus authentication refused: {line}");
        }

        socket.Send("BEGIN\r\n"u8);
    }

    private static string ReadLine(UnixStream socket)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count < 512)
        {
            if (socket.Receive(one) == 0)
            {
                throw new IOException("the bus closed the connection during authentication");
            }

            if (one[0] == (byte)'\n')
            {
                return System.Text.Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            }

            line.Add(one[0]);
        }

        throw new IOException("D-Bus authentication line too long");
    }

    private static DbusMessage Receive(UnixStream socket)
    {
        var header = new byte[DbusWire.FixedHeaderLength];
        socket.ReceiveExactly(header);
        var message = new byte[DbusWire.TotalLength(header)];
        header.CopyTo(message, 0);
        socket.ReceiveExactly(message.AsSpan(DbusWire.FixedHeaderLength));
        return DbusWire.Parse(message);
    }

}
