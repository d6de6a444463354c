using LibCni.TestKit;
using Xunit;
using static LibCni.TestKit.BinaryHost;

namespace HostDevice.Tests;

/// <summary>
/// The published host-device and the reference's moving one end of a veth pair (a movable device, as a NIC is) in
/// and out of throwaway containers; the host's view is read back with <c>ip -j -d</c>.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class HostDeviceBinaryTests : IDisposable
{
    private const string Reference = "/usr/lib/cni";
    private const string Device = "cnihd0";
    private readonly BinaryHost _bin = new("cni-host-device");

    public HostDeviceBinaryTests() => _bin.AddMaster(Device, "cnihd1");

    public void Dispose() => _bin.Dispose();

    private string Conf(string selector = $"\"device\":\"{Device}\"") =>
        $$$"""{"cniVersion":"1.0.0","name":"hdnet","type":"host-device",{{{selector}}},"ipam":{"type":"host-local","dataDir":"{{{_bin.DataDir}}}","ranges":[[{"subnet":"10.72.0.0/24"}]]}}""";

    private ProcessResult Exec(string command, string conf, TestNetns ctr, string binDir = "") =>
        _bin.ExecFrom(binDir.Length > 0 ? binDir : Repo.BinDir, "host-device", conf, Environment(command, "ctr-hd", ctr.Path, ifName: "net1", cniPath: binDir.Length > 0 ? binDir : Repo.BinDir));

    /// <param name="aliasCleared">Debian's 1.1.1 leaves the alias on the device it returns (v1.9 clears it, as we do).</param>
    private void DeviceIsBackDownWithoutAddressOrAlias(bool aliasCleared = true)
    {
        var back = LinkDetails(_bin.Host!, Device);
        Assert.DoesNotContain("\"UP\"", back["flags"]!.ToJsonString(), StringComparison.Ordinal);
        if (aliasCleared)
        {
            Assert.Null(back["ifalias"]);
        }

        Assert.DoesNotContain("10.72.0.", _bin.Host!.Ip("addr", "show", Device), StringComparison.Ordinal);
    }

    [Fact]
    public void Add_moves_the_device_in_with_its_name_in_the_alias_and_del_returns_it_twice_over()
    {
        var ctr = _bin.Container();
        var add = Exec("ADD", Conf(), ctr);
        Ok(add);
        Assert.Throws<InvalidOperationException>(() => _bin.Host!.Ip("link", "show", Device));
        var inside = LinkDetails(ctr, "net1");
        Assert.Equal(Device, inside["ifalias"]!.GetValue<string>());
        Assert.Contains("\"UP\"", inside["flags"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("10.72.0.2/24", ctr.Ip("-br", "addr", "show", "net1"), StringComparison.Ordinal);
        Ok(Exec("CHECK", WithPrevResult(Conf(), add.Stdout), ctr));

        Ok(Exec("DEL", Conf(), ctr));
        DeviceIsBackDownWithoutAddressOrAlias();
        Assert.Throws<InvalidOperationException>(() => ctr.Ip("link", "show", "net1"));

        // The reference fails a second DEL ("failed to find ... in containerNS"); a DEL must succeed when things are gone.
        Ok(Exec("DEL", Conf(), ctr));
    }

    [Fact]
    public void The_reference_returns_what_we_moved_in_and_we_return_what_it_moved_in()
    {
        var ctr = _bin.Container();
        Ok(Exec("ADD", Conf(), ctr));
        Ok(Exec("DEL", Conf(), ctr, Reference));
        DeviceIsBackDownWithoutAddressOrAlias(aliasCleared: false);

        var add = Exec("ADD", Conf(), ctr, Reference);
        Ok(add);
        Assert.Equal(Device, LinkDetails(ctr, "net1")["ifalias"]!.GetValue<string>());
        Ok(Exec("CHECK", WithPrevResult(Conf(), add.Stdout), ctr));
        Ok(Exec("DEL", Conf(), ctr));
        DeviceIsBackDownWithoutAddressOrAlias();
    }

    [Fact]
    public void Hwaddr_finds_the_device()
    {
        var mac = LinkDetails(_bin.Host!, Device)["address"]!.GetValue<string>();
        var ctr = _bin.Container();
        Ok(Exec("ADD", Conf($"\"hwaddr\":\"{mac.ToUpperInvariant()}\""), ctr));
        Assert.Equal(mac, LinkDetails(ctr, "net1")["address"]!.GetValue<string>());
        Ok(Exec("DEL", Conf($"\"hwaddr\":\"{mac}\""), ctr));
        DeviceIsBackDownWithoutAddressOrAlias();
    }

    [Fact]
    public void A_taken_container_name_fails_and_leaves_the_device_on_the_host()
    {
        var ctr = _bin.Container();
        ctr.Ip("link", "add", "net1", "type", "veth", "peer", "name", "other");
        var add = Exec("ADD", Conf(), ctr);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("\\\"net1\\\" already exists in the container", add.Stdout, StringComparison.Ordinal);
        Assert.NotNull(LinkDetails(_bin.Host!, Device));
        var store = Path.Combine(_bin.DataDir, "hdnet");
        Assert.True(!Directory.Exists(store) || Directory.GetFiles(store, "10.*").Length == 0, "no address may stay reserved");
    }
}
