using System.Text.Json;
using LibCni.Kernel;
using LibCni.Netlink;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Linux.Tests;

[Trait("Tier", "Privileged")]
public class NetNamespaceTests
{
    [Fact]
    public void Run_executes_inside_the_namespace_and_returns_to_nothing_changed()
    {
        using var ns = TestNetns.Create();
        ns.Ip("link", "add", "cnit-in", "type", "bridge");
        var inside = NetNamespace.Run(ns.Path, () =>
        {
            using var rtnl = NetNamespace.OpenRtnl();
            return rtnl.ListLinks().Select(l => l.Name).ToList();
        });
        Assert.Equal(["lo", "cnit-in"], inside);

        using var here = NetNamespace.OpenRtnl();
        Assert.Null(here.GetLink("cnit-in"));
    }

    [Fact]
    public void Exceptions_inside_are_rethrown_to_the_caller()
    {
        using var ns = TestNetns.Create();
        var e = Assert.Throws<InvalidOperationException>(() => NetNamespace.Run<int>(ns.Path, () => throw new InvalidOperationException("inside")));
        Assert.Equal("inside", e.Message);
    }

    [Fact]
    public void Missing_path_is_a_distinct_not_found_error()
    {
        PrivateHost.Require();
        Assert.Throws<NetnsNotFoundException>(() => NetNamespace.Run("/run/netns/does-not-exist", () => 1));
        Assert.Throws<NetnsNotFoundException>(() => NetNamespace.Run("/nonexistent-dir/x/y", () => 1));
    }

    [Fact]
    public void A_regular_file_is_not_a_netns()
    {
        PrivateHost.Require();
        var file = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<IOException>(() => NetNamespace.Run(file, () => 1));
            Assert.Contains("unknown FS magic", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Identity_tells_own_netns_from_another()
    {
        using var ns = TestNetns.Create();
        Assert.True(NetnsIdentity.Instance.IsOwnNetns("/proc/self/ns/net"));
        Assert.False(NetnsIdentity.Instance.IsOwnNetns(ns.Path));
        Assert.False(NetnsIdentity.Instance.IsOwnNetns("/run/netns/missing"));
    }

    [Fact]
    public void Sysctl_written_inside_a_namespace_stays_there()
    {
        using var ns = TestNetns.Create();
        NetNamespace.Run(ns.Path, () => Sysctl.Ensure("1", "net", "ipv4", "ip_forward"));
        Assert.Equal("1", Shell.Run("ip", "netns", "exec", ns.Name, "cat", "/proc/sys/net/ipv4/ip_forward").Trim());
        Assert.Equal("0", Sysctl.Read("net", "ipv4", "ip_forward"));
    }
}

[Trait("Tier", "Privileged")]
public class RtnlKernelTests
{
    [Fact]
    public void Get_and_set_link_state_agree_with_iproute2()
    {
        using var ns = TestNetns.Create();
        ns.Ip("link", "add", "cnit-br", "type", "bridge");
        using var rtnl = NetNamespace.OpenRtnl(ns.Path);
        var link = rtnl.GetLink("cnit-br");
        Assert.NotNull(link);
        Assert.Equal("bridge", link.Kind);
        Assert.False(link.IsUp);

        rtnl.SetLinkUp(link.Index, true);
        using var doc = JsonDocument.Parse(ns.Ip("-j", "link", "show", "cnit-br"));
        var ipView = doc.RootElement[0];
        Assert.Contains("UP", ipView.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(ipView.GetProperty("address").GetString(), link.Mac);
        Assert.Equal(ipView.GetProperty("ifindex").GetInt32(), link.Index);
        Assert.True(rtnl.GetLink(link.Index)!.IsUp);
    }

    [Fact]
    public void Missing_link_is_null_and_bad_index_is_enodev()
    {
        using var ns = TestNetns.Create();
        using var rtnl = NetNamespace.OpenRtnl(ns.Path);
        Assert.Null(rtnl.GetLink("cnit-none"));
        var e = Assert.Throws<NetlinkException>(() => rtnl.SetLinkUp(9999, true));
        Assert.Equal(19, e.Errno);
    }

    [Fact]
    public void Address_listing_matches_iproute2()
    {
        using var ns = TestNetns.Create();
        ns.Ip("link", "add", "cnit-br", "type", "bridge");
        ns.Ip("addr", "add", "10.99.0.1/24", "dev", "cnit-br");
        ns.Ip("addr", "add", "fd99::1/64", "dev", "cnit-br", "nodad");
        using var rtnl = NetNamespace.OpenRtnl(ns.Path);
        var index = rtnl.GetLink("cnit-br")!.Index;
        var addresses = rtnl.ListAddresses(index: index).Select(a => a.Address.ToString()).ToList();
        Assert.Contains("10.99.0.1/24", addresses);
        Assert.Contains("fd99::1/64", addresses);
        Assert.Equal(["10.99.0.1/24"], rtnl.ListAddresses(LibCni.Netlink.Route.AddressFamily.Inet, index).Select(a => a.Address.ToString()));
    }

    [Fact]
    public void Large_dump_spanning_many_datagrams_is_read_to_the_end()
    {
        using var ns = TestNetns.Create();
        var batch = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(batch, Enumerable.Range(0, 400).Select(i => $"link add cnit-b{i} type bridge"));
            ns.Ip("-batch", batch);
        }
        finally
        {
            File.Delete(batch);
        }

        using var rtnl = NetNamespace.OpenRtnl(ns.Path);
        var names = rtnl.ListLinks().Select(l => l.Name).ToList();
        Assert.Equal(401, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        using var doc = JsonDocument.Parse(ns.Ip("-j", "link", "show"));
        Assert.Equal(doc.RootElement.GetArrayLength(), names.Count);
    }
}

[Trait("Tier", "Privileged")]
public class FileLockTests
{
    [Fact]
    public void Second_holder_waits_until_the_first_releases()
    {
        PrivateHost.Require();
        var dir = Directory.CreateTempSubdirectory("cnilock");
        var path = Path.Combine(dir.FullName, "lock");
        try
        {
            var first = FileLock.Acquire(path);
            var acquired = new ManualResetEventSlim();
            var waiter = new Thread(() =>
            {
                using (FileLock.Acquire(path))
                {
                    acquired.Set();
                }
            });
            waiter.Start();
            Assert.False(acquired.Wait(TimeSpan.FromMilliseconds(300)), "second flock must block while the first is held");
            first.Dispose();
            Assert.True(acquired.Wait(TimeSpan.FromSeconds(10)), "second flock must succeed once released");
            waiter.Join();
            Assert.Equal(Convert.ToInt32("750", 8) & ~Convert.ToInt32("022", 8), (int)File.GetUnixFileMode(path) & Convert.ToInt32("777", 8));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
