using System.Text.Json;
using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Ptp.Tests;

/// <summary>A private host netns, container namespaces, and a ptp binary (ours or the reference's) with host-local.</summary>
public sealed class PtpHost : IDisposable
{
    public const string Reference = "/usr/lib/cni";

    private readonly BinaryHost _bin = new("cni-ptp-ipam");

    public TestNetns Host => _bin.Host!;

    public string DataDir => _bin.DataDir;

    public TestNetns Container() => _bin.Container();

    public string Conf(string version = "1.0.0", string extra = "") =>
        "{\"cniVersion\":\"" + version + "\",\"name\":\"kindnet\",\"type\":\"ptp\",\"mtu\":1460" + extra +
        ",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + DataDir + "\",\"ranges\":[[{\"subnet\":\"10.244.1.0/24\"}],[{\"subnet\":\"fd00:10:244:1::/64\"}]]," +
        "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\"}]}}";

    /// <summary>Runs ptp from <paramref name="binDir"/> (ours: dist/bin) with that directory's host-local.</summary>
    public ProcessResult Exec(string command, string conf, TestNetns? container, string containerId, string? binDir = null, string netns = "")
    {
        var dir = binDir ?? Repo.BinDir;
        var environment = Environment(command, containerId, container?.Path ?? netns, "eth0", "IgnoreUnknown=1;K8S_POD_NAME=pod", dir);
        return Shell.Exec("ip", ["netns", "exec", Host.Name, Path.Combine(dir, "ptp")], conf, environment, clearEnvironment: true);
    }

    public static string WithPrev(string conf, string result) => conf[..^1] + $",\"prevResult\":{result}}}";

    public void Dispose() => _bin.Dispose();
}

[Trait("Tier", "Binary")]
public class PtpBinaryTests
{
    private static void Ping(TestNetns from, string address) =>
        Shell.Run("ip", "netns", "exec", from.Name, "ping", "-c1", "-W2", address);

    [Fact]
    public void Kindnet_style_dual_stack_containers_reach_each_other_and_the_host_and_del_leaves_nothing()
    {
        using var h = new PtpHost();
        var a = h.Container();
        var b = h.Container();
        var conf = h.Conf();
        var addA = h.Exec("ADD", conf, a, "ctr-a");
        Ok(addA);
        Ok(h.Exec("ADD", conf, b, "ctr-b"));
        using var result = JsonDocument.Parse(addA.Stdout);
        var hostVeth = result.RootElement.GetProperty("interfaces")[0].GetProperty("name").GetString()!;
        Assert.Matches("^veth[0-9a-f]{8}$", hostVeth);

        // The reference's layout, read back with iproute2.
        Assert.Contains("10.244.1.1/32", h.Host.Ip("-br", "addr", "show", hostVeth), StringComparison.Ordinal);
        Assert.Contains("10.244.1.2 dev " + hostVeth + " scope host", h.Host.Ip("route"), StringComparison.Ordinal);
        var routes = a.Ip("route");
        Assert.Contains("default via 10.244.1.1 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("10.244.1.0/24 via 10.244.1.1 dev eth0 src 10.244.1.2", routes, StringComparison.Ordinal);
        Assert.Contains("10.244.1.1 dev eth0 scope link src 10.244.1.2", routes, StringComparison.Ordinal);
        Assert.DoesNotContain("proto kernel", routes, StringComparison.Ordinal);
        Assert.Contains("mtu 1460", a.Ip("link", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains("default via fd00:10:244:1::1 dev eth0", a.Ip("-6", "route"), StringComparison.Ordinal);

        Ping(a, "10.244.1.3");
        Ping(a, "10.244.1.1");
        Shell.Run("ip", "netns", "exec", a.Name, "ping", "-6", "-c1", "-W3", "fd00:10:244:1::3");

        Ok(h.Exec("CHECK", PtpHost.WithPrev(conf, addA.Stdout), a, "ctr-a"));
        a.Ip("route", "del", "default");
        var check = h.Exec("CHECK", PtpHost.WithPrev(conf, addA.Stdout), a, "ctr-a");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Expected Route 0.0.0.0/0 not found in routing table", check.Stdout, StringComparison.Ordinal);

        Ok(h.Exec("DEL", conf, a, "ctr-a"));
        Ok(h.Exec("DEL", conf, a, "ctr-a"));
        Ok(h.Exec("DEL", conf, b, "ctr-b"));
        Assert.DoesNotContain("veth", h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.DoesNotContain("10.244.1", h.Host.Ip("route"), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(h.DataDir, "kindnet"), "10.244.*"));
    }

    [Fact]
    public void A_failed_add_leaves_no_veth_and_no_reservation()
    {
        using var h = new PtpHost();
        var a = h.Container();
        a.Ip("link", "add", "eth0", "type", "veth", "peer", "name", "taken");
        var add = h.Exec("ADD", h.Conf(), a, "ctr-a");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("already exists", add.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("veth", h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(h.DataDir, "kindnet"), "10.244.*"));
    }

    [Theory]
    [InlineData("nftables")]
    [InlineData("iptables")]
    public void Ip_masq_rules_follow_the_pod_and_del_without_netns_removes_them(string backend)
    {
        using var h = new PtpHost();
        var a = h.Container();
        var conf = h.Conf(extra: $",\"ipMasq\":true,\"ipMasqBackend\":\"{backend}\"");
        Ok(h.Exec("ADD", conf, a, "ctr-a"));
        Assert.Contains("10.244.1.2", Rules(h, backend), StringComparison.Ordinal);

        var path = a.Path;
        Shell.Run("ip", "netns", "del", a.Name);
        Ok(h.Exec("DEL", conf, null, "ctr-a", netns: path));
        Assert.DoesNotContain("10.244.1.2", Rules(h, backend), StringComparison.Ordinal);
    }

    private static string Rules(PtpHost h, string backend) => backend == "nftables"
        ? Shell.Run("ip", "netns", "exec", h.Host.Name, "nft", "list", "ruleset")
        : Shell.Run("ip", "netns", "exec", h.Host.Name, "iptables-save", "-t", "nat");

    /// <summary>A node swaps implementations with pods running: each side's DEL removes what the other's ADD made.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Migration_either_way_del_cleans_the_other_implementations_pod(bool referenceAdds)
    {
        Assert.True(File.Exists(Path.Combine(PtpHost.Reference, "ptp")), "Debian's containernetworking-plugins is a prerequisite (scripts/install-prereqs)");
        using var h = new PtpHost();
        var a = h.Container();
        var conf = h.Conf("0.4.0", ",\"ipMasq\":true,\"ipMasqBackend\":\"iptables\"");
        var (adder, deleter) = referenceAdds ? (PtpHost.Reference, Repo.BinDir) : (Repo.BinDir, PtpHost.Reference);
        var add = h.Exec("ADD", conf, a, "ctr-a", adder);
        Ok(add);
        Ping(a, "10.244.1.1");
        Ok(h.Exec("CHECK", PtpHost.WithPrev(conf, add.Stdout), a, "ctr-a", deleter));
        Ok(h.Exec("DEL", conf, a, "ctr-a", deleter));
        Assert.DoesNotContain("veth", h.Host.Ip("link"), StringComparison.Ordinal);
        Assert.DoesNotContain("10.244.1.2", Rules(h, "iptables"), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(h.DataDir, "kindnet"), "10.244.*"));
    }
}
