using LibCni.Config;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.HostDevice;

/// <summary>The keys as written; <see cref="HostDeviceSelection"/> turns them into the device to move.</summary>
public sealed record HostDeviceConfig
{
    public const string Context = "failed to load netconf";

    public string? Device { get; init; }

    public string? HardwareAddress { get; init; }

    public string? KernelPath { get; init; }

    public string? PciBusId { get; init; }

    /// <summary><c>runtimeConfig.deviceID</c> (capability <c>deviceID</c>): a PCI or auxiliary device.</summary>
    public string? DeviceId { get; init; }

    /// <summary>The reference's untagged struct field: a <c>DPDKMode</c> key (any case) switches DPDK mode on.</summary>
    public bool DpdkModeKey { get; init; }

    public string? IpamType { get; init; }

    public Dns? Dns { get; init; }

    public System.Text.Json.JsonElement? PrevResult { get; init; }

    public static HostDeviceConfig Parse(byte[] stdin)
    {
        var conf = CniJson.Decode(stdin, NetConf.Read, Context);
        var json = conf.Json;
        return new HostDeviceConfig
        {
            Device = Empty(json.String("device")),
            HardwareAddress = Empty(json.String("hwaddr")),
            KernelPath = Empty(json.String("kernelpath")),
            PciBusId = Empty(json.String("pciBusID")),
            DeviceId = Empty(conf.RuntimeConfigString("deviceID")),
            DpdkModeKey = json.Bool("DPDKMode") ?? false,
            IpamType = Empty(conf.IpamType),
            Dns = conf.Dns is { IsEmpty: false } dns ? dns : null,
            PrevResult = conf.HasPrevResult ? conf.PrevResult : null,
        };
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>How the device is found, after runtimeConfig.deviceID and the DPDK driver check.</summary>
public sealed record HostDeviceSelection(string? Device, byte[]? Mac, string? NetDirectory, bool Dpdk)
{
    public const string SysBusPci = "/sys/bus/pci/devices";
    public const string SysBusAuxiliary = "/sys/bus/auxiliary/devices";
    private static readonly string[] DpdkDrivers = ["vfio-pci", "uio_pci_generic", "igb_uio"];

    /// <summary>
    /// The first selector given wins, in the reference's order: <c>device</c>, <c>hwaddr</c>, <c>kernelpath</c>,
    /// <c>pciBusID</c> (replaced by a PCI <c>deviceID</c>), an auxiliary <c>deviceID</c>.
    /// </summary>
    public static HostDeviceSelection Resolve(HostDeviceConfig config, IHostDeviceKernel kernel)
    {
        var pci = config.PciBusId;
        string? auxiliary = null;
        if (config.DeviceId is { } id)
        {
            if (kernel.PathExists($"{SysBusPci}/{id}"))
            {
                pci = id;
            }
            else if (kernel.PathExists($"{SysBusAuxiliary}/{id}"))
            {
                (pci, auxiliary) = (null, id);
            }
            else
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"runtime config DeviceID {id} not found or unsupported", "runtimeConfig.deviceID");
            }
        }

        if (config.Device is null && config.HardwareAddress is null && config.KernelPath is null && pci is null && auxiliary is null)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "specify either \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"");
        }

        var dpdk = config.DpdkModeKey;
        if (pci is not null)
        {
            var driver = kernel.LinkTargetName($"{SysBusPci}/{pci}/driver")
                ?? throw new CniException(CniErrorCode.Internal, $"error with host device: no driver bound to PCI device {pci}", $"{SysBusPci}/{pci}/driver");
            dpdk = DpdkDrivers.Contains(driver);
        }

        if (config.Device is { } device)
        {
            return new(device, null, null, dpdk);
        }

        if (config.HardwareAddress is { } text)
        {
            return MacAddress.TryParse(text, out var mac)
                ? new(null, mac, null, dpdk)
                : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"failed to parse MAC address \"{text}\": address {text}: invalid MAC address", "hwaddr");
        }

        if (config.KernelPath is { } path)
        {
            return Path.IsPathRooted(path) && path.StartsWith("/sys/devices/", StringComparison.Ordinal)
                ? new(null, null, $"{path.TrimEnd('/')}/net", dpdk)
                : throw new CniException(CniErrorCode.InvalidNetworkConfig, $"kernel device path \"{path}\" must be absolute and begin with /sys/devices/", "kernelpath");
        }

        if (pci is not null)
        {
            if (dpdk)
            {
                return new(null, null, null, true);
            }

            var netDir = $"{SysBusPci}/{pci}/net";
            if (!kernel.PathExists(netDir))
            {
                var virtio = kernel.PathExists($"{SysBusPci}/{pci}")
                    ? kernel.ListDirectory($"{SysBusPci}/{pci}").FirstOrDefault(e => e.StartsWith("virtio", StringComparison.Ordinal) && kernel.PathExists($"{SysBusPci}/{pci}/{e}/net"))
                    : null;
                netDir = virtio is null
                    ? throw new CniException(CniErrorCode.Internal, $"no net directory under pci device {pci}")
                    : $"{SysBusPci}/{pci}/{virtio}/net";
            }

            return new(null, null, netDir, dpdk);
        }

        return new(null, null, $"{SysBusAuxiliary}/{auxiliary}/net", dpdk);
    }

    /// <summary>The host link's name: by name, by MAC, or the first entry of the sysfs net directory.</summary>
    public string FindHostLink(IHostDeviceKernel kernel)
    {
        if (Device is { } device)
        {
            return kernel.HostLinkExists(device) ? device : throw new CniException(CniErrorCode.Internal, $"failed to find host device: Link not found", $"device \"{device}\"");
        }

        if (Mac is { } mac)
        {
            return kernel.HostLinkByMac(mac) ?? throw new CniException(CniErrorCode.Internal, "failed to find host device: failed to find physical interface",
                $"no host link has MAC {LibCni.Netlink.Route.LinkInfo.FormatMac(mac)}");
        }

        IReadOnlyList<string> entries;
        try
        {
            entries = kernel.ListDirectory(NetDirectory!);
        }
        catch (IOException e)
        {
            throw new CniException(CniErrorCode.Internal, $"failed to find host device: failed to read directory {NetDirectory}: \"{e.Message}\"");
        }

        return entries.Count > 0 ? entries[0] : throw new CniException(CniErrorCode.Internal, $"failed to find host device: failed to find network device in path {NetDirectory}");
    }
}
