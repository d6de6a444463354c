using LibCni.Types;
using System.Text.Json;
using CniPlugins.Tuning;
using LibCni.Kernel;
using LibCni.Skel;
using LibCni.TestKit;
using Xunit;

namespace Tuning.Tests;

/// <summary>The plugin over the real kernel, in throwaway namespaces, checked with <c>ip</c> and /proc as an independent view.</summary>
[Trait("Tier", "Privileged")]
public sealed class TuningKernelTests : IDisposable
{
    private readonly TestNetns _ns = TestNetns.Create();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("tuning-priv-").FullName;

    public TuningKernelTests()
    {
        // A dotted name on purpose: eth0.1 must stay one /proc/sys component.
        _ns.Ip("link", "add", "eth0.1", "type", "veth", "peer", "name", "peer0"); // this kernel may lack dummy
        _ns.Ip("link", "set", "eth0.1", "address", "0a:58:0a:01:00:05", "mtu", "1500", "txqueuelen", "1000");
        _ns.Ip("link", "set", "eth0.1", "up");
    }

    public void Dispose()
    {
        _ns.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private (int Exit, string Output) Run(string command, string extra, string ifName = "eth0.1")
    {
        var prev = command == "DEL" ? "" : $$$""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"{{{ifName}}}","mac":"0a:58:0a:01:00:05","sandbox":"{{{_ns.Path}}}"}],"ips":[{"address":"10.1.0.5/24","interface":0}]}""";
        var env = FakeEnvironment.For(command, $$"""{"cniVersion":"1.0.0","name":"net1","type":"tuning","dataDir":"{{_dataDir}}"{{extra}}{{prev}}}""", _ns.Path, ifName);
        var exit = new PluginHost(new TuningPlugin(new KernelTuning(), new DiskStateStore(), () => null), "about").Run(env);
        return (exit, env.Output);
    }

    private JsonElement Link(string name = "eth0.1") => JsonDocument.Parse(_ns.Ip("-j", "-d", "link", "show", "dev", name)).RootElement[0];

    private string Sysctl(string path) => Shell.Run("ip", "netns", "exec", _ns.Name, "cat", "/proc/sys/" + path).Trim();

    [Fact]
    public void Add_sets_sysctls_in_the_container_only_with_a_dotted_interface_name()
    {
        var hostBefore = File.ReadAllText("/proc/sys/net/ipv4/conf/all/log_martians").Trim();
        var (exit, output) = Run("ADD", ""","sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net.ipv4.conf.all.log_martians":"1","net/core/somaxconn":"321"}""");
        Assert.True(exit == 0, output);
        Assert.Equal("1", Sysctl("net/ipv4/conf/eth0.1/arp_filter"));
        Assert.Equal("1", Sysctl("net/ipv4/conf/all/log_martians"));
        Assert.Equal("321", Sysctl("net/core/somaxconn"));
        Assert.Equal(hostBefore, File.ReadAllText("/proc/sys/net/ipv4/conf/all/log_martians").Trim());
        Assert.Equal((0, ""), Run("CHECK", ""","sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net.ipv4.conf.all.log_martians":"1","net/core/somaxconn":"321"}"""));
        Assert.Empty(Directory.GetFiles(_dataDir));
    }

    [Fact]
    public void A_bad_key_after_good_ones_changes_nothing()
    {
        var (exit, output) = Run("ADD", ""","mtu":1400,"sysctl":{"net.core.somaxconn":"321","net.ipv4.nonexistent_key":"1"}""");
        Assert.Equal(1, exit);
        Assert.Contains("net.ipv4.nonexistent_key", output, StringComparison.Ordinal);
        Assert.Equal("4096", Sysctl("net/core/somaxconn"));
        Assert.Equal(1500, Link().GetProperty("mtu").GetInt32());
        Assert.Empty(Directory.GetFiles(_dataDir));
    }

    [Fact]
    public void Add_changes_the_link_saves_the_originals_and_del_restores_them()
    {
        const string conf = ""","mac":"c2:11:22:33:44:55","promisc":true,"mtu":1400,"allmulti":true,"txQLen":20""";
        var (exit, output) = Run("ADD", conf);
        Assert.True(exit == 0, output);
        Assert.Equal("c2:11:22:33:44:55", JsonDocument.Parse(output).RootElement.GetProperty("interfaces")[0].GetProperty("mac").GetString());

        var link = Link();
        Assert.Equal("c2:11:22:33:44:55", link.GetProperty("address").GetString());
        Assert.Equal(1400, link.GetProperty("mtu").GetInt32());
        Assert.Equal(20, link.GetProperty("txqlen").GetInt32());
        Assert.Equal(1, link.GetProperty("promiscuity").GetInt32());
        var flags = link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.Contains("PROMISC", flags);
        Assert.Contains("ALLMULTI", flags);

        var file = Path.Combine(_dataDir, "c0ffee_eth0.1.json");
        Assert.Equal("{\n \"mac\": \"0a:58:0a:01:00:05\",\n \"promisc\": false,\n \"mtu\": 1500,\n \"allmulti\": false,\n \"txQLen\": 1000\n}", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal((0, ""), Run("CHECK", conf));

        Assert.Equal((0, ""), Run("DEL", conf));
        link = Link();
        Assert.Equal("0a:58:0a:01:00:05", link.GetProperty("address").GetString());
        Assert.Equal(1500, link.GetProperty("mtu").GetInt32());
        Assert.Equal(1000, link.GetProperty("txqlen").GetInt32());
        Assert.Equal(0, link.GetProperty("promiscuity").GetInt32());
        flags = link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.DoesNotContain("PROMISC", flags);
        Assert.DoesNotContain("ALLMULTI", flags);
        Assert.False(File.Exists(file));

        var check = Run("CHECK", conf);
        Assert.Equal(1, check.Exit);
        Assert.Contains("Tuning configured Ethernet of eth0.1 is c2:11:22:33:44:55, current value is 0a:58:0a:01:00:05", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kernel_refusal_undoes_the_earlier_changes()
    {
        // A veth refuses an MTU below 68 (as the kernel checks for every ethernet device); MAC comes first in the reference's order.
        _ns.Ip("link", "add", "vt0", "address", "0a:58:0a:01:00:06", "type", "veth", "peer", "name", "vt1");
        var (exit, output) = Run("ADD", ""","sysctl":{"net.core.somaxconn":"321"},"mac":"c2:11:22:33:44:55","mtu":10""", "vt0");
        Assert.Equal(1, exit);
        Assert.Contains("failed to set MTU of vt0 to 10", output, StringComparison.Ordinal);
        Assert.Equal("0a:58:0a:01:00:06", Link("vt0").GetProperty("address").GetString());
        Assert.Equal("4096", Sysctl("net/core/somaxconn"));
        Assert.Empty(Directory.GetFiles(_dataDir));
    }

    [Fact]
    public void Del_after_the_namespace_is_gone_removes_the_saved_state()
    {
        Assert.Equal(0, Run("ADD", ""","mtu":1400""").Exit);
        var path = _ns.Path;
        _ns.Dispose();
        var env = FakeEnvironment.For("DEL", $$"""{"cniVersion":"1.0.0","name":"net1","type":"tuning","dataDir":"{{_dataDir}}","mtu":1400}""", path, "eth0.1");
        Assert.Equal(0, new PluginHost(new TuningPlugin(new KernelTuning(), new DiskStateStore(), () => null), "about").Run(env));
        Assert.Empty(Directory.GetFiles(_dataDir));
    }

    [Fact]
    public void Kernel_reads_what_ip_shows()
    {
        using var netns = new KernelTuning().Enter(_ns.Path);
        var link = netns.GetLink("eth0.1")!;
        Assert.Equal("0a:58:0a:01:00:05", MacAddress.Format(link.Mac));
        Assert.Equal(1500, link.Mtu);
        Assert.Equal(1000, link.TxQueueLength);
        Assert.False(link.Promisc);
        Assert.Null(netns.GetLink("nope0"));
        Assert.Equal("4096", netns.ReadSysctl(SysctlKey.Parse("net.core.somaxconn", "eth0.1")));
        Assert.Throws<FileNotFoundException>(() => netns.ReadSysctl(SysctlKey.Parse("net.core.nonexistent", "eth0.1")));
        Assert.Throws<FileNotFoundException>(() => netns.WriteSysctl(SysctlKey.Parse("net.core.nonexistent", "eth0.1"), "1"));
        Assert.Throws<NetnsNotFoundException>(() => new KernelTuning().Enter("/run/netns/cnitest-missing"));
    }
}
