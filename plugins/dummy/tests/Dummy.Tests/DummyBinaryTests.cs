using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace Dummy.Tests;

/// <summary>The published dummy on a kernel with the dummy driver (the second-kernel tier; Debian's 1.1.1 has no dummy to compare).</summary>
[Trait("Tier", "Binary")]
[Trait("Kernel", "Second")]
public sealed class DummyBinaryTests : IDisposable
{
    private readonly BinaryHost _bin = new("cni-dummy");

    public void Dispose() => _bin.Dispose();

    private string Conf(string subnet = "10.66.0.0/24") =>
        $$$"""{"cniVersion":"1.0.0","name":"dummynet","type":"dummy","ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"{{{subnet}}}"}]],"routes":[{"dst":"10.67.0.0/16"}]}}""";

    [KernelFact(KernelFeature.Dummy)]
    public void Add_makes_an_up_dummy_with_the_address_and_routes_and_del_removes_it()
    {
        var ctr = _bin.Container();
        var add = _bin.Exec("dummy", Conf(), Environment("ADD", "ctr-d", ctr.Path));
        Ok(add);
        var link = LinkDetails(ctr);
        Assert.Equal("dummy", link["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Contains("UP", link["flags"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("10.66.0.2/24", ctr.Ip("-br", "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains("10.67.0.0/16", ctr.Ip("route"), StringComparison.Ordinal);
        Ok(_bin.Exec("dummy", WithPrevResult(Conf(), add.Stdout), Environment("CHECK", "ctr-d", ctr.Path)));

        ctr.Ip("link", "set", "eth0", "down");
        var check = _bin.Exec("dummy", WithPrevResult(Conf(), add.Stdout), Environment("CHECK", "ctr-d", ctr.Path));
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("Interface eth0 is down", check.Stdout, StringComparison.Ordinal);

        Ok(_bin.Exec("dummy", Conf(), Environment("DEL", "ctr-d", ctr.Path)));
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
        Ok(_bin.Exec("dummy", Conf(), Environment("DEL", "ctr-d", ctr.Path)));
    }

    [KernelFact(KernelFeature.Dummy)]
    public void A_failed_add_leaves_no_link()
    {
        Ok(_bin.Exec("dummy", Conf("10.66.1.0/30"), Environment("ADD", "ctr-1", _bin.Container().Path)));
        var ctr = _bin.Container();
        Assert.Equal(1, _bin.Exec("dummy", Conf("10.66.1.0/30"), Environment("ADD", "ctr-2", ctr.Path)).ExitCode);
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "eth0"));
    }
}
