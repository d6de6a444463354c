using LibCni.Types;
using Tmds.DBus.Protocol;

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
/// <see cref="IFirewalld"/> over the system bus (DBUS_SYSTEM_BUS_ADDRESS, else the standard socket) with
/// Tmds.DBus.Protocol: no firewall-cmd. Connects on first use; every call is synchronous.
/// </summary>
public sealed class DbusFirewalld : IFirewalld, IDisposable
{
    public const string Service = "org.fedoraproject.FirewallD1";
    public const string ObjectPath = "/org/fedoraproject/FirewallD1";
    public const string ZoneInterface = "org.fedoraproject.FirewallD1.zone";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(25);

    private readonly string? _address;
    private DBusConnection? _connection;

    /// <param name="address">A bus address; null means the system bus.</param>
    public DbusFirewalld(string? address = null)
    {
        _address = address;
    }

    public bool IsRunning()
    {
        try
        {
            var connection = Connect();
            return Call(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", [Service],
                static (m, _) => m.GetBodyReader().ReadBool());
        }
        catch (Exception e) when (e is IOException or FirewalldException)
        {
            return false;
        }
    }

    public void AddSource(string zone, string source) =>
        Call(Connect(), Service, ObjectPath, ZoneInterface, "addSource", "ss", [zone, source], static (m, _) => m.GetBodyReader().ReadString());

    public void RemoveSource(string zone, string source) =>
        Call(Connect(), Service, ObjectPath, ZoneInterface, "removeSource", "ss", [zone, source], static (m, _) => m.GetBodyReader().ReadString());

    public bool QuerySource(string zone, string source) =>
        Call(Connect(), Service, ObjectPath, ZoneInterface, "querySource", "ss", [zone, source], static (m, _) => m.GetBodyReader().ReadBool());

    public void Dispose() => _connection?.Dispose();

    private DBusConnection Connect()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var address = _address ?? DBusAddress.System ?? throw new IOException("no system bus address");
        var connection = new DBusConnection(address);
        try
        {
            Wait(() => connection.ConnectAsync().AsTask());
        }
        catch (Exception e) when (e is not IOException)
        {
            connection.Dispose();
            throw new IOException($"cannot connect to the system bus at {address}: {e.Message}", e);
        }

        return _connection = connection;
    }

    private static T Call<T>(DBusConnection connection, string destination, string path, string iface, string member, string signature, string[] args, MessageValueReader<T> reader)
    {
        MessageBuffer message;
        using (var writer = connection.GetMessageWriter())
        {
            writer.WriteMethodCallHeader(destination: destination, path: path, @interface: iface, member: member, signature: signature);
            foreach (var arg in args)
            {
                writer.WriteString(arg);
            }

            message = writer.CreateMessage();
        }

        try
        {
            return Wait(() => connection.CallMethodAsync(message, reader));
        }
        catch (DBusErrorReplyException e)
        {
            throw new FirewalldException(e.ErrorName, e.ErrorMessage);
        }
        catch (Exception e) when (e is DBusConnectionException or ObjectDisposedException or TimeoutException)
        {
            throw new IOException($"D-Bus call {iface}.{member} failed: {e.Message}", e);
        }
    }

    // Started on the thread pool, so no caller's SynchronizationContext is captured (blocking on it would
    // deadlock); WaitAsync + GetResult rethrows the call's own exception, not an AggregateException.
    private static T Wait<T>(Func<Task<T>> call) => Task.Run(call).WaitAsync(CallTimeout).GetAwaiter().GetResult();

    private static void Wait(Func<Task> call) => Task.Run(call).WaitAsync(CallTimeout).GetAwaiter().GetResult();
}
