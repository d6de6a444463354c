using System.Text.Json;
using CniPlugins.HostDevice;
using LibCni.Interfaces;
using LibCni.Skel;
using LibCni.TestKit;
using LibCni.Types;
using Moq;
using Xunit;

namespace HostDevice.Tests;

/// <summary>A host with a few links and a sysfs, all in memory; moves are recorded in the shared call list.</summary>
public sealed class FakeHostDeviceKernel(FakeContainerInterfaces links) : IHostDeviceKernel
{
    public HashSet<string> Paths { get; } = [];

    public Dictionary<string, List<string>> Directories { get; } = [];

    public Dictionary<string, string> Drivers { get; } = [];

    public Dictionary<string, string> HostLinks { get; } = new() { ["ens5"] = "0a:00:00:00:00:05", ["ens6"] = "0a:00:00:00:00:06" };

    public bool AlreadyMovedBack { get; set; }

    /// <summary>Runs inside MoveOut, as the kernel's netns move would block.</summary>
    public Action? WhileMovingOut { get; set; }

    public bool PathExists(string path) => Paths.Contains(path) || Directories.ContainsKey(path);

    public IReadOnlyList<string> ListDirectory(string path) => Directories.TryGetValue(path, out var entries) ? entries : throw new IOException($"open {path}: no such file or directory");

    public string? LinkTargetName(string path) => Drivers.GetValueOrDefault(path);

    public bool HostLinkExists(string name) => HostLinks.ContainsKey(name);

    public string? HostLinkByMac(byte[] mac) => HostLinks.FirstOrDefault(l => l.Value == LibCni.Netlink.Route.LinkInfo.FormatMac(mac)).Key;

    public LinkRef MoveIn(string hostName, string netns, string ifName)
    {
        links.Step($"MoveIn {hostName} as {ifName}");
        return new LinkRef(ifName, 3, HostLinks[hostName]);
    }

    public bool MoveOut(string netns, string ifName)
    {
        links.Step($"MoveOut {ifName}");
        WhileMovingOut?.Invoke();
        if (links.NetnsGone)
        {
            throw new LibCni.Kernel.NetnsNotFoundException(netns);
        }

        return !AlreadyMovedBack;
    }

    public bool RestoreReturned(string ifName, string originalName)
    {
        links.Step($"RestoreReturned {ifName} to {originalName}");
        return true;
    }
}

public class HostDevicePluginTests
{
    private const string Ipam = ""","ipam":{"type":"host-local"}""";
    private readonly FakeContainerInterfaces _links = new();
    private readonly FakeHostDeviceKernel _kernel;
    private readonly Mock<IDelegatePlugin> _ipam = new();

    public HostDevicePluginTests()
    {
        _kernel = new FakeHostDeviceKernel(_links);
        _ipam.Setup(i => i.Add("host-local", It.IsAny<CmdArgs>())).Returns(() => new Result100
        {
            CniVersion = "1.0.0",
            Ips = [new IpConfig100 { Address = CidrAddress.Parse("10.72.0.5/24") }],
        });
    }

    private (int Exit, JsonElement Output) Run(string command, string extra, string netns = "/run/netns/ctr") =>
        FakeRun.Run(new HostDevicePlugin(_links, _kernel, _ipam.Object), command, $$"""{"cniVersion":"1.0.0","name":"hd","type":"host-device"{{extra}}}""", netns);

    [Fact]
    public void Add_moves_the_named_device_in_and_addresses_it()
    {
        var (exit, output) = Run("ADD", ",\"device\":\"ens5\"" + Ipam);
        Assert.Equal(0, exit);
        Assert.Equal(["MoveIn ens5 as eth0", "Configure eth0"], _links.Calls);
        var iface = Assert.Single(output.GetProperty("interfaces").EnumerateArray());
        Assert.Equal("0a:00:00:00:00:05", iface.GetProperty("mac").GetString());
        Assert.Equal(0, output.GetProperty("ips")[0].GetProperty("interface").GetInt32());
    }

    [Theory]
    [InlineData(",\"hwaddr\":\"0A-00-00-00-00-06\"", "MoveIn ens6 as eth0")]
    [InlineData(",\"kernelpath\":\"/sys/devices/pci0000:00/0000:00:06.0\"", "MoveIn ens6 as eth0")]
    [InlineData(",\"pciBusID\":\"0000:00:05.0\"", "MoveIn ens5 as eth0")]
    [InlineData(",\"pciBusID\":\"0000:00:07.0\"", "MoveIn ens6 as eth0")]
    [InlineData(",\"runtimeConfig\":{\"deviceID\":\"0000:00:05.0\"},\"pciBusID\":\"0000:00:06.0\"", "MoveIn ens5 as eth0")]
    [InlineData(",\"runtimeConfig\":{\"deviceID\":\"mlx5_core.sf.4\"}", "MoveIn ens6 as eth0")]
    public void Every_selector_finds_its_device(string extra, string move)
    {
        _kernel.Directories["/sys/devices/pci0000:00/0000:00:06.0/net"] = ["ens6"];
        _kernel.Directories["/sys/bus/pci/devices/0000:00:05.0/net"] = ["ens5"];
        _kernel.Directories["/sys/bus/pci/devices/0000:00:07.0"] = ["driver", "virtio3"];
        _kernel.Directories["/sys/bus/pci/devices/0000:00:07.0/virtio3/net"] = ["ens6"];
        _kernel.Directories["/sys/bus/auxiliary/devices/mlx5_core.sf.4/net"] = ["ens6"];
        _kernel.Paths.UnionWith(["/sys/bus/pci/devices/0000:00:05.0", "/sys/bus/auxiliary/devices/mlx5_core.sf.4"]);
        foreach (var pci in new[] { "0000:00:05.0", "0000:00:06.0", "0000:00:07.0" })
        {
            _kernel.Drivers[$"/sys/bus/pci/devices/{pci}/driver"] = pci == "0000:00:07.0" ? "virtio-pci" : "ixgbe";
        }

        Assert.Equal(0, Run("ADD", extra).Exit);
        Assert.Equal([move, "SetLinkUp eth0"], _links.Calls.Take(1).Append("SetLinkUp eth0").ToList());
    }

    [Theory]
    [InlineData("", 7, "specify either \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"")]
    [InlineData(",\"kernelpath\":\"sys/devices/x\"", 7, "kernel device path \"sys/devices/x\" must be absolute and begin with /sys/devices/")]
    [InlineData(",\"hwaddr\":\"zz\"", 7, "failed to parse MAC address \"zz\"")]
    [InlineData(",\"runtimeConfig\":{\"deviceID\":\"0000:99:00.0\"}", 7, "runtime config DeviceID 0000:99:00.0 not found or unsupported")]
    [InlineData(",\"device\":\"ens9\"", 999, "failed to find host device: Link not found")]
    [InlineData(",\"kernelpath\":\"/sys/devices/none\"", 999, "failed to read directory /sys/devices/none/net")]
    public void Bad_selection_is_refused_before_anything_moves(string extra, int code, string message)
    {
        var (exit, output) = Run("ADD", extra);
        Assert.Equal(1, exit);
        Assert.Equal(code, output.GetProperty("code").GetInt32());
        Assert.Contains(message, output.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void A_dpdk_bound_pci_device_is_reported_not_moved()
    {
        _kernel.Paths.Add("/sys/bus/pci/devices/0000:00:05.0");
        _kernel.Drivers["/sys/bus/pci/devices/0000:00:05.0/driver"] = "vfio-pci";
        var (exit, output) = Run("ADD", ",\"pciBusID\":\"0000:00:05.0\"" + Ipam);
        Assert.True(exit == 0, output.ToString());
        Assert.Empty(_links.Calls);
        var iface = Assert.Single(output.GetProperty("interfaces").EnumerateArray());
        Assert.False(iface.TryGetProperty("mac", out _));
        Assert.Equal("10.72.0.5/24", output.GetProperty("ips")[0].GetProperty("address").GetString());
        Assert.Equal(0, Run("DEL", ",\"pciBusID\":\"0000:00:05.0\"" + Ipam).Exit);
        Assert.Empty(_links.Calls);
    }

    [Fact]
    public void A_failed_configure_moves_the_device_back_and_releases_the_address()
    {
        _links.FailOn = "Configure";
        Assert.Equal(1, Run("ADD", ",\"device\":\"ens5\"" + Ipam).Exit);
        Assert.Equal(["MoveIn ens5 as eth0", "Configure eth0", "MoveOut eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Once);
    }

    [Fact]
    public void Del_moves_it_out_and_succeeds_when_it_is_already_back()
    {
        Assert.Equal(0, Run("DEL", ",\"device\":\"ens5\"" + Ipam).Exit);
        _kernel.AlreadyMovedBack = true;
        Assert.Equal(0, Run("DEL", ",\"device\":\"ens5\"" + Ipam).Exit);
        Assert.Equal(["MoveOut eth0", "MoveOut eth0"], _links.Calls);
        _ipam.Verify(i => i.Del("host-local", It.IsAny<CmdArgs>()), Times.Exactly(2));
    }

    [Fact]
    public void Del_runs_ipam_del_while_the_device_moves_back()
    {
        using var ipamCalled = new ManualResetEventSlim();
        _ipam.Setup(i => i.Del("host-local", It.IsAny<CmdArgs>())).Callback(ipamCalled.Set);
        var during = false;
        _kernel.WhileMovingOut = () => during = ipamCalled.Wait(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Run("DEL", ",\"device\":\"ens5\"" + Ipam).Exit);
        Assert.True(during, "IPAM DEL must be under way while the device moves back to the host");
    }

    [Fact]
    public void Del_with_the_netns_gone_renames_a_returned_device_back()
    {
        _links.NetnsGone = true;
        Assert.Equal(0, Run("DEL", ",\"device\":\"ens5\"" + Ipam).Exit);
        Assert.Equal(["MoveOut eth0", "RestoreReturned eth0 to ens5"], _links.Calls);
    }

    [Fact]
    public void Check_has_no_kind_check_but_compares_mac_and_addresses()
    {
        const string prev = ""","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"0a:00:00:00:00:05","sandbox":"/run/netns/ctr"}],"ips":[{"address":"10.72.0.5/24","interface":0}]}""";
        _links.ContainerState = new ContainerLinkState("eth0", 3, "0a:00:00:00:00:05", "", 0, [CidrAddress.Parse("10.72.0.5/24")],
            [new RouteView(CidrAddress.Parse("10.72.0.0/24"), null)]) { IsUp = true };
        Assert.Equal(0, Run("CHECK", ",\"device\":\"ens5\"" + Ipam + prev).Exit);
        _links.ContainerState = _links.ContainerState with { Mac = "0a:00:00:00:00:99" };
        Assert.Equal("Interface eth0 Mac 0a:00:00:00:00:05 doesn't match container Mac: 0a:00:00:00:00:99",
            Run("CHECK", ",\"device\":\"ens5\"" + Ipam + prev).Output.GetProperty("msg").GetString());
    }
}
