using System.Net.Sockets;
using CniPlugins.Dhcp.Gob;
using CniPlugins.Dhcp.Rpc;
using LibCni.Json;
using LibCni.Skel;
using LibCni.Types;

namespace CniPlugins.Dhcp;

/// <summary>
/// The dhcp IPAM plugin: a thin client of the daemon (<c>dhcp daemon</c>), which holds the leases. It speaks the
/// reference's Go net/rpc protocol bit for bit, so it works with the Go daemon and the Go plugin works with ours.
/// ADD and CHECK call DHCP.Allocate (CHECK discards the reply, as the reference does), DEL calls DHCP.Release.
/// </summary>
public sealed class DhcpPlugin : ICniPlugin
{
    public const string DefaultSocketPath = "/run/cni/dhcp.sock";

    public ICniResult Add(CmdArgs args) => RpcTypes.DecodeResult(Call(args, RpcTypes.AllocateMethod));

    public void Check(CmdArgs args) => Call(args, RpcTypes.AllocateMethod);

    public void Del(CmdArgs args) => Call(args, RpcTypes.ReleaseMethod);

    /// <summary>
    /// GC through our daemon's DHCP.GC (it holds the leases). The reference daemon has no such method: then there is
    /// nothing this plugin can collect, as with the reference plugin, which has no GC.
    /// </summary>
    public void Gc(CmdArgs args)
    {
        try
        {
            Call(args, RpcTypes.GcMethod);
        }
        catch (CniException e) when (e.Message.Contains("rpc: can't find", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Only <c>ipam.daemonSocketPath</c> is read here; the daemon parses everything else.</summary>
    internal static string SocketPath(byte[] stdin)
    {
        const string context = "error obtaining socketPath: error parsing socket path conf";
        var net = JsonFields.Parse(stdin, context);
        var path = net.Object("ipam")?.String("daemonSocketPath");
        return string.IsNullOrEmpty(path) ? DefaultSocketPath : path;
    }

    private static GobStruct Call(CmdArgs args, string method)
    {
        var socketPath = SocketPath(args.StdinData);
        var netns = args.Netns.Length == 0 ? "" : System.IO.Path.GetFullPath(args.Netns);
        var call = new AllocateArgs(args.ContainerId, netns, args.IfName, args.Args, args.Path, args.StdinData);
        RpcClient client;
        try
        {
            client = RpcClient.Dial(socketPath);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // Code 11: the daemon may simply not be up yet; the runtime can retry.
            throw new CniException(CniErrorCode.TryAgainLater, $"error dialing DHCP daemon: {DialError(socketPath, e)}",
                $"is the dhcp daemon running (dhcp daemon -socketpath {socketPath})?");
        }

        using (client)
        {
            try
            {
                return client.Call(method, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(call));
            }
            catch (RpcServerException e)
            {
                throw new CniException(CniErrorCode.Internal, $"error calling {method}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or SocketException or GobException)
            {
                throw new CniException(CniErrorCode.Internal, $"error calling {method}: {e.Message}", "the daemon closed the connection or sent no valid reply");
            }
        }
    }

    /// <summary>Go's text for a failed unix dial: "dial unix PATH: connect: no such file or directory".</summary>
    private static string DialError(string path, Exception e)
    {
        var reason = e is SocketException s ? s.SocketErrorCode switch
        {
            SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !File.Exists(path) => "no such file or directory",
            SocketError.ConnectionRefused => "connection refused",
            SocketError.AccessDenied => "permission denied",
            _ when !File.Exists(path) => "no such file or directory",
            _ => LowerFirst(s.Message),
        } : LowerFirst(e.Message);
        return $"dial unix {path}: connect: {reason}";
    }

    private static string LowerFirst(string text) => text.Length == 0 ? text : char.ToLowerInvariant(text[0]) + text[1..];
}
