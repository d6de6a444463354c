using System.Text;
using CniPlugins.Dhcp;
using CniPlugins.Dhcp.Rpc;
using LibCni.Skel;
using LibCni.Types;
using Xunit;

namespace Dhcp.Tests;

/// <summary>The plugin as a client of a (scripted) daemon that answers with a Go daemon's bytes.</summary>
public sealed class DhcpPluginTests
{
    private static byte[] Conf(string socketPath) =>
        Encoding.UTF8.GetBytes($$$"""{"cniVersion":"1.0.0","name":"net1","type":"macvlan","ipam":{"type":"dhcp","daemonSocketPath":"{{{socketPath}}}"}}""");

    private static CmdArgs Args(string command, byte[] conf, string netns = "/var/run/netns/ctr") => new()
    {
        Command = command,
        ContainerId = "ctr1",
        Netns = netns,
        IfName = "eth0",
        Args = "K8S_POD_NAME=p",
        Path = "/opt/cni/bin",
        StdinData = conf,
    };

    [Fact]
    public void Without_a_daemon_socket_path_the_default_is_used() =>
        Assert.Equal("/run/cni/dhcp.sock", DhcpPlugin.SocketPath("""{"name":"n","ipam":{"type":"dhcp"}}"""u8.ToArray()));

    [Fact]
    public void An_empty_daemon_socket_path_means_the_default() =>
        Assert.Equal(DhcpPlugin.DefaultSocketPath, DhcpPlugin.SocketPath("""{"ipam":{"daemonSocketPath":""}}"""u8.ToArray()));

    [Fact]
    public void Ipam_daemon_socket_path_is_read() =>
        Assert.Equal("/tmp/x/d.sock", DhcpPlugin.SocketPath("""{"name":"n","ipam":{"type":"dhcp","daemonSocketPath":"/tmp/x/d.sock"}}"""u8.ToArray()));

    [Fact]
    public void A_config_that_is_not_json_is_a_decoding_error_with_the_references_wording()
    {
        var error = Assert.Throws<CniException>(() => DhcpPlugin.SocketPath("{\"ipam\":"u8.ToArray()));
        Assert.Equal(CniErrorCode.DecodingFailure, error.Code);
        Assert.StartsWith("error obtaining socketPath: error parsing socket path conf: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_path_of_the_wrong_type_is_a_decoding_error()
    {
        var error = Assert.Throws<CniException>(() => DhcpPlugin.SocketPath("""{"ipam":{"daemonSocketPath":5}}"""u8.ToArray()));
        Assert.Equal(CniErrorCode.DecodingFailure, error.Code);
    }

    [Fact]
    public void Add_sends_the_cmd_args_with_an_absolute_netns_and_returns_the_daemons_result()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerDaemonStyleReply);
        var conf = Conf(daemon.Path);
        var result = Assert.IsType<Result100>(new DhcpPlugin().Add(Args("ADD", conf, netns: "relative/ns")));
        daemon.Finish();

        Assert.Equal("10.9.0.7/16", Assert.Single(result.Ips!).Address.ToString());
        Assert.Equal("10.9.0.1", result.Ips![0].Gateway?.ToString());
        var (request, args) = Assert.Single(daemon.Calls);
        Assert.Equal("DHCP.Allocate", request.String("ServiceMethod"));
        RpcSamples.AssertArgs(new AllocateArgs("ctr1", Path.GetFullPath("relative/ns"), "eth0", "K8S_POD_NAME=p", "/opt/cni/bin", conf), RpcTypes.DecodeArgs(args));
    }

    [Fact]
    public void Check_calls_allocate_and_accepts_the_reply()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerDaemonStyleReply);
        new DhcpPlugin().Check(Args("CHECK", Conf(daemon.Path)));
        daemon.Finish();
        Assert.Equal("DHCP.Allocate", Assert.Single(daemon.Calls).Request.String("ServiceMethod"));
    }

    [Fact]
    public void Del_calls_release()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerReleaseOnlyReply);
        new DhcpPlugin().Del(Args("DEL", Conf(daemon.Path)));
        daemon.Finish();
        var (request, args) = Assert.Single(daemon.Calls);
        Assert.Equal("DHCP.Release", request.String("ServiceMethod"));
        Assert.Equal("/var/run/netns/ctr", args.String("Netns"));
    }

    [Fact]
    public void A_daemon_error_is_a_cni_error_naming_the_method()
    {
        using var daemon = new FakeDaemon(GoGolden.GoServerErrorReply);
        var error = Assert.Throws<CniException>(() => new DhcpPlugin().Add(Args("ADD", Conf(daemon.Path))));
        Assert.Equal(CniErrorCode.Internal, error.Code);
        Assert.Equal("error calling DHCP.Allocate: error looking up \"eth9\": Link not found", error.Message);
    }

    [Fact]
    public void No_daemon_is_try_again_later_with_gos_dial_text()
    {
        using var dir = new TempDir();
        var path = dir.Combine("absent.sock");
        var error = Assert.Throws<CniException>(() => new DhcpPlugin().Del(Args("DEL", Conf(path))));
        Assert.Equal(CniErrorCode.TryAgainLater, error.Code);
        Assert.Equal($"error dialing DHCP daemon: dial unix {path}: connect: no such file or directory", error.Message);
    }

    [Fact]
    public void A_daemon_that_hangs_up_is_an_internal_error()
    {
        using var daemon = new FakeDaemon(Array.Empty<byte>());
        var error = Assert.Throws<CniException>(() => new DhcpPlugin().Add(Args("ADD", Conf(daemon.Path))));
        Assert.Equal(CniErrorCode.Internal, error.Code);
        Assert.Equal("error calling DHCP.Allocate: connection closed before the response", error.Message);
    }
}
