using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Dhcp.Tests;

/// <summary>
/// The published dhcp binary, plugin and daemon, against dnsmasq on a LAN of the test's own namespaces: macvlan
/// children of the LAN's master ask our daemon for leases, and the server's lease file is the independent witness.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class DhcpServerTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-dhcp");

    public void Dispose() => _bin.Dispose();

    [Fact]
    public void Add_takes_a_lease_from_the_server_check_holds_it_and_del_releases_it()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var ctr = _bin.Container();

        var add = _bin.Exec("macvlan", conf, Environment("ADD", "ctr-a", ctr.Path));
        Ok(add);
        var result = JsonNode.Parse(add.Stdout)!;
        var address = FirstAddress(add.Stdout);
        Assert.StartsWith("10.66.0.", address, StringComparison.Ordinal);
        Assert.Equal($"{address}/24", result["ips"]![0]!["address"]!.GetValue<string>());
        Assert.Equal(DhcpLan.Router, result["ips"]![0]!["gateway"]!.GetValue<string>());
        Assert.Contains(result["routes"]!.AsArray(), r => r!["dst"]!.GetValue<string>() == "0.0.0.0/0" && r["gw"]!.GetValue<string>() == DhcpLan.Router);

        // The kernel has the address and the route; the server has the lease, under the reference's client id.
        Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"default via {DhcpLan.Router} dev eth0", ctr.Ip("route", "show"), StringComparison.Ordinal);
        var lease = lan.Leases()[address];
        Assert.Equal(ClientIdHex("ctr-a/dhcpnet/eth0"), lease.ClientId);
        Assert.Equal(JsonNode.Parse(ctr.Ip("-j", "link", "show", "eth0"))![0]!["address"]!.GetValue<string>(), lease.Mac);
        Assert.Single(Directory.GetFiles(daemon.StateDir, "*.json"));

        Ok(_bin.Exec("macvlan", WithPrevResult(conf, add.Stdout), Environment("CHECK", "ctr-a", ctr.Path)));

        Ok(_bin.Exec("macvlan", conf, Environment("DEL", "ctr-a", ctr.Path)));
        DhcpLan.Wait(() => !lan.Leases().ContainsKey(address), TimeSpan.FromSeconds(10), () => "DEL sent no DHCPRELEASE: " + lan.ServerLog());
        Assert.Empty(Directory.GetFiles(daemon.StateDir, "*.json"));
        Ok(_bin.Exec("macvlan", conf, Environment("DEL", "ctr-a", ctr.Path)));
    }

    [Fact]
    public void The_lease_is_renewed_at_t1_with_the_same_address()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir, renewal: TimeSpan.FromSeconds(3));
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var ctr = _bin.Container();
        var add = _bin.Exec("macvlan", conf, Environment("ADD", "ctr-r", ctr.Path));
        Ok(add);
        var address = FirstAddress(add.Stdout);
        var firstExpiry = lan.Leases()[address].Expiry;

        DhcpLan.Wait(() => lan.AcksFor(address) >= 3, TimeSpan.FromSeconds(30), () => "no renewals: " + lan.ServerLog() + daemon.Log);
        Assert.True(lan.Leases()[address].Expiry > firstExpiry, "the server's lease expiry did not move on renewal");
        Assert.Contains("lease renewed", daemon.Log, StringComparison.Ordinal);
        Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);
        Ok(_bin.Exec("macvlan", conf, Environment("DEL", "ctr-r", ctr.Path)));
    }

    [Fact]
    public void Parallel_adds_get_distinct_leases_and_dels_release_them_all()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var containers = Enumerable.Range(0, 6).Select(_ => _bin.Container()).ToList();

        var adds = containers.AsParallel().WithDegreeOfParallelism(6)
            .Select((ctr, i) => _bin.Exec("macvlan", conf, Environment("ADD", $"par-{i}", ctr.Path))).ToList();
        Assert.All(adds, Ok);
        var addresses = adds.Select(a => FirstAddress(a.Stdout)).ToList();
        Assert.Equal(6, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.True(lan.Leases().ContainsKey(a), $"{a} not in the server's leases"));

        Assert.All(containers.AsParallel().Select((ctr, i) => _bin.Exec("macvlan", conf, Environment("DEL", $"par-{i}", ctr.Path))).ToList(), Ok);
        DhcpLan.Wait(() => lan.Leases().Count == 0, TimeSpan.FromSeconds(10), () => "leases left: " + string.Join(' ', lan.Leases().Keys));
    }

    [Fact]
    public void A_server_that_stops_mid_lease_is_survived_and_renewal_resumes_when_it_is_back()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir, renewal: TimeSpan.FromSeconds(3));
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var ctr = _bin.Container();
        var add = _bin.Exec("macvlan", conf, Environment("ADD", "ctr-s", ctr.Path));
        Ok(add);
        var address = FirstAddress(add.Stdout);

        lan.StopServer();
        var acks = lan.AcksFor(address);
        DhcpLan.Wait(() => daemon.Log.Contains("renewing lease", StringComparison.Ordinal), TimeSpan.FromSeconds(15), () => daemon.Log);
        Thread.Sleep(TimeSpan.FromSeconds(4));
        Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);

        lan.StartServer();
        DhcpLan.Wait(() => lan.AcksFor(address) > acks, TimeSpan.FromSeconds(40), () => "no renewal after the server came back: " + daemon.Log);
        Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);
        Ok(_bin.Exec("macvlan", conf, Environment("DEL", "ctr-s", ctr.Path)));
        DhcpLan.Wait(() => !lan.Leases().ContainsKey(address), TimeSpan.FromSeconds(10), lan.ServerLog);
    }

    [Fact]
    public void A_sigkilled_daemon_restarted_keeps_every_address_renews_and_still_releases_on_del()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir, renewal: TimeSpan.FromSeconds(3));
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir);
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var containers = new[] { _bin.Container(), _bin.Container() };
        var addresses = containers.Select((ctr, i) =>
        {
            var add = _bin.Exec("macvlan", conf, Environment("ADD", $"kill-{i}", ctr.Path));
            Ok(add);
            return FirstAddress(add.Stdout);
        }).ToList();

        daemon.Kill();
        Assert.True(File.Exists(daemon.SocketPath), "SIGKILL should leave the socket file behind");
        var acks = addresses.Select(lan.AcksFor).ToList();
        daemon.Start();

        for (var i = 0; i < containers.Length; i++)
        {
            var (ctr, address, before) = (containers[i], addresses[i], acks[i]);
            Assert.Contains($"inet {address}/24", ctr.Ip("addr", "show", "eth0"), StringComparison.Ordinal);
            DhcpLan.Wait(() => lan.AcksFor(address) > before, TimeSpan.FromSeconds(30), () => $"{address} not renewed after the restart: {daemon.Log}");
        }

        for (var i = 0; i < containers.Length; i++)
        {
            Ok(_bin.Exec("macvlan", conf, Environment("DEL", $"kill-{i}", containers[i].Path)));
        }

        DhcpLan.Wait(() => lan.Leases().Count == 0, TimeSpan.FromSeconds(10), () => "leases left after DEL: " + lan.ServerLog());
    }

    [Fact]
    public void An_add_the_server_never_answers_fails_and_leaves_no_interface_or_lease_state()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        using var daemon = new DhcpDaemon(_bin.Host!, Repo.Binary("dhcp"), _bin.DataDir, ["-resendtimeout", "3s"]);
        lan.StopServer();
        var conf = lan.MacvlanConf(socketPath: daemon.SocketPath).ToJsonString();
        var ctr = _bin.Container();

        var add = _bin.Exec("macvlan", conf, Environment("ADD", "ctr-n", ctr.Path));
        Assert.Equal(1, add.ExitCode);
        var error = JsonNode.Parse(add.Stdout)!;
        Assert.Contains("DHCP.Allocate", error["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("eth0", ctr.Ip("link", "show"), StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(daemon.StateDir) ? Directory.GetFiles(daemon.StateDir) : []);
    }

    [Fact]
    public void Without_a_daemon_add_fails_with_try_again_later_naming_the_socket()
    {
        using var lan = new DhcpLan(_bin.Host!, _bin.DataDir);
        var socket = Path.Combine(_bin.DataDir, "nobody.sock");
        var ctr = _bin.Container();

        var add = _bin.Exec("macvlan", lan.MacvlanConf(socketPath: socket).ToJsonString(), Environment("ADD", "ctr-x", ctr.Path));
        Assert.Equal(1, add.ExitCode);
        var error = JsonNode.Parse(add.Stdout)!;
        Assert.Equal(11, error["code"]!.GetValue<int>());
        Assert.Equal($"error dialing DHCP daemon: dial unix {socket}: connect: no such file or directory", error["msg"]!.GetValue<string>());
        Assert.DoesNotContain("eth0", ctr.Ip("link", "show"), StringComparison.Ordinal);
    }

    /// <summary>dnsmasq's form of the client id option: type 0 then the text, as colon-separated hex.</summary>
    internal static string ClientIdHex(string id) =>
        "00:" + string.Join(':', System.Text.Encoding.UTF8.GetBytes(id).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
