using LibCni.Kernel;
using LibCni.TestKit;
using Xunit;

namespace LibCni.Linux.Tests;

[Trait("Tier", "Privileged")]
public class NetnsSessionTests
{
    private static string OwnNetns() => new FileInfo("/proc/thread-self/ns/net").LinkTarget!;

    [Fact]
    public void Every_call_runs_on_one_thread_inside_the_netns_and_failures_come_back_to_the_caller()
    {
        using var ns = TestNetns.Create("cnises");
        var target = NetNamespace.Run(ns.Path, OwnNetns);
        Assert.NotEqual(OwnNetns(), target);

        using var handle = NetNamespace.Open(ns.Path);
        using var session = new NetnsSession(handle, ns.Path);
        var first = session.Run(() => (Environment.CurrentManagedThreadId, OwnNetns()));
        var second = session.Run(() => (Environment.CurrentManagedThreadId, OwnNetns()));
        Assert.Equal(first, second);
        Assert.Equal(target, first.Item2);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first.Item1);

        var e = Assert.ThrowsAny<IOException>(() => session.Run(() => Sysctl.ReadExact("net", "ipv4", "conf", "nosuchlink", "forwarding")));
        Assert.Contains("nosuchlink", e.Message, StringComparison.Ordinal);
        Assert.Equal(first, session.Run(() => (Environment.CurrentManagedThreadId, OwnNetns())));
        Assert.NotEqual(target, OwnNetns());
    }

    [Fact]
    public void A_disposed_session_refuses_work()
    {
        using var ns = TestNetns.Create("cnises");
        using var handle = NetNamespace.Open(ns.Path);
        var session = new NetnsSession(handle, ns.Path);
        session.Run(() => { });
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(() => { }));
    }
}
