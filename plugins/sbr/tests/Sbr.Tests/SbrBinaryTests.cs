using System.Text.Json.Nodes;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Sbr.Tests;

/// <summary>
/// The published sbr, and the reference's from /usr/lib/cni, on containers with two interfaces: eth0 (the default
/// route) and net1 behind a router of its own. State is read back with <c>ip -j</c>; traffic crosses a router whose
/// strict reverse-path filter drops what leaves the container through the wrong interface.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class SbrBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private readonly BinaryHost _bin = new("cni-sbr", hostPrefix: null);
    private readonly TestNetns _router;
    private readonly TestNetns _client;

    public SbrBinaryTests()
    {
        _router = _bin.Container("cnisbrr");
        _client = _bin.Container("cnisbrc");
        Shell.Run("ip", "-n", _client.Name, "link", "add", "eth0", "type", "veth", "peer", "name", "rc", "netns", _router.Name);
        Up(_client, "eth0", "10.9.0.2/24");
        _client.Ip("route", "add", "default", "via", "10.9.0.1");
        Up(_router, "rc", "10.9.0.1/24");
        Sysctl(_router, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1");
    }

    public void Dispose() => _bin.Dispose();

    private static void Up(TestNetns ns, string link, string address)
    {
        ns.Ip("addr", "add", address, "dev", link);
        ns.Ip("link", "set", link, "up");
    }

    private static void Sysctl(TestNetns ns, params string[] settings) => Shell.Run("ip", ["netns", "exec", ns.Name, "sysctl", "-qw", .. settings]);

    /// <summary>A container wired to the router twice: eth0 on 10.1.n.0/24 (its default route) and net1 on 10.2.n.0/24.</summary>
    private TestNetns Container(int n)
    {
        var ctr = _bin.Container("cnisbrx");
        Shell.Run("ip", "-n", ctr.Name, "link", "add", "eth0", "type", "veth", "peer", "name", $"r1x{n}", "netns", _router.Name);
        Shell.Run("ip", "-n", ctr.Name, "link", "add", "net1", "type", "veth", "peer", "name", $"r2x{n}", "netns", _router.Name);
        Up(ctr, "eth0", $"10.1.{n}.2/24");
        Up(ctr, "net1", $"10.2.{n}.2/24");
        ctr.Ip("link", "set", "lo", "up");
        ctr.Ip("route", "add", "default", "via", $"10.1.{n}.1");
        Up(_router, $"r1x{n}", $"10.1.{n}.1/24");
        Up(_router, $"r2x{n}", $"10.2.{n}.1/24");
        Sysctl(_router, $"net.ipv4.conf.r1x{n}.rp_filter=1", $"net.ipv4.conf.r2x{n}.rp_filter=1");
        return ctr;
    }

    private static string Conf(TestNetns ctr, int n, string extra = "") =>
        $$$"""{"cniVersion":"1.0.0","name":"second","type":"sbr"{{{extra}}},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"net1","sandbox":"{{{ctr.Path}}}"}],"ips":[{"address":"10.2.{{{n}}}.2/24","gateway":"10.2.{{{n}}}.1","interface":0}]}}""";

    private ProcessResult Exec(string command, TestNetns ctr, string conf, string binDir) =>
        _bin.ExecFrom(binDir, "sbr", conf, Environment(command, "ctr-sbr", ctr.Path, "net1"));

    private bool Pings(string address) =>
        Shell.Exec("ip", ["netns", "exec", _client.Name, "ping", "-c1", "-W1", address], null, null).ExitCode == 0;

    /// <summary>Rules and routes of every table but local, as <c>ip</c> prints them.</summary>
    private static string State(TestNetns ctr) =>
        ctr.Ip("rule") + ctr.Ip("route", "show", "table", "all").Split('\n').Where(l => !l.Contains("table local", StringComparison.Ordinal)).Aggregate("", (a, l) => a + l + "\n");

    [Fact]
    public void Replies_from_net1_leave_through_its_gateway_only_with_sbr_and_del_removes_rule_and_table()
    {
        var ctr = Container(1);
        Assert.True(Pings("10.1.1.2"));
        Assert.False(Pings("10.2.1.2")); // the reply leaves by eth0 and the router's reverse-path filter drops it

        Ok(Exec("ADD", ctr, Conf(ctr, 1), Repo.BinDir));
        Assert.Contains("from 10.2.1.2 lookup 100", ctr.Ip("rule"), StringComparison.Ordinal);
        var route = JsonNode.Parse(ctr.Ip("-j", "route", "get", "10.9.0.2", "from", "10.2.1.2"))![0]!;
        Assert.Equal(("net1", "10.2.1.1", "100"), (route["dev"]!.GetValue<string>(), route["gateway"]!.GetValue<string>(), route["table"]?.ToString() ?? "100"));
        Assert.DoesNotContain("net1", ctr.Ip("route", "show", "table", "main"), StringComparison.Ordinal);
        Assert.True(Pings("10.2.1.2"));
        Assert.True(Pings("10.1.1.2"));
        Ok(Exec("CHECK", ctr, Conf(ctr, 1), Repo.BinDir));

        Ok(Exec("DEL", ctr, Conf(ctr, 1), Repo.BinDir));
        Assert.DoesNotContain("lookup 100", ctr.Ip("rule"), StringComparison.Ordinal);
        Assert.Equal("", ctr.Ip("route", "show", "table", "100").Trim());
        Ok(Exec("DEL", ctr, Conf(ctr, 1), Repo.BinDir));
    }

    [Fact]
    public void Ours_leaves_the_state_the_reference_leaves_and_each_deletes_what_the_other_made()
    {
        var ours = Container(2);
        var theirs = Container(3);
        Ok(Exec("ADD", ours, Conf(ours, 2), Repo.BinDir));
        Ok(Exec("ADD", theirs, Conf(theirs, 3), Reference));
        Assert.Equal(State(theirs).Replace("10.1.3.", "10.1.2.", StringComparison.Ordinal).Replace("10.2.3.", "10.2.2.", StringComparison.Ordinal), State(ours));

        Ok(Exec("DEL", ours, Conf(ours, 2), Reference));
        Ok(Exec("DEL", theirs, Conf(theirs, 3), Repo.BinDir));
        Assert.DoesNotContain("lookup 100", ours.Ip("rule"), StringComparison.Ordinal);
        Assert.DoesNotContain("lookup 100", theirs.Ip("rule"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_interface_takes_the_next_table_and_fixed_table_makes_only_the_rule()
    {
        var ctr = Container(4);
        Ok(Exec("ADD", ctr, Conf(ctr, 4, ""","table":500"""), Repo.BinDir));
        Assert.Contains("from 10.2.4.2 lookup 500", ctr.Ip("rule"), StringComparison.Ordinal);
        Assert.Contains("net1", ctr.Ip("route", "show", "table", "main"), StringComparison.Ordinal);
        Ok(Exec("DEL", ctr, Conf(ctr, 4, ""","table":500"""), Repo.BinDir));
        Assert.DoesNotContain("lookup 500", ctr.Ip("rule"), StringComparison.Ordinal);

        ctr.Ip("rule", "add", "from", "10.77.0.0/16", "table", "100");
        Ok(Exec("ADD", ctr, Conf(ctr, 4), Repo.BinDir));
        Assert.Contains("from 10.2.4.2 lookup 101", ctr.Ip("rule"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_add_leaves_the_routes_and_rules_as_they_were()
    {
        var ctr = Container(5);
        var before = State(ctr);
        // A static gateway off every subnet: the default route into table 100 is refused by the kernel.
        var add = Exec("ADD", ctr, Conf(ctr, 5, ""","gateways":["192.0.2.1"]"""), Repo.BinDir);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("Failed to add default route to 192.0.2.1", add.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, State(ctr));
    }
}
