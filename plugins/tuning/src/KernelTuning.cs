using LibCni.Kernel;
using LibCni.Netlink.Route;
using Microsoft.Win32.SafeHandles;

namespace CniPlugins.Tuning;

/// <summary><see cref="ITuningKernel"/> over rtnetlink and /proc/sys, inside the container netns.</summary>
public sealed class KernelTuning : ITuningKernel
{
    public ITuningNetns Enter(string netnsPath)
    {
        var handle = NetNamespace.Open(netnsPath);
        try
        {
            return new Netns(handle, netnsPath);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private sealed class Netns : ITuningNetns
    {
        private readonly SafeFileHandle _handle;
        private readonly string _path;
        private readonly RtnlClient _rtnl;

        public Netns(SafeFileHandle handle, string path)
        {
            _handle = handle;
            _path = path;
            _rtnl = new RtnlClient(new LibCni.Netlink.NetlinkClient(NetNamespace.Run(handle, path, () => LibCni.Netlink.NetlinkSocket.Open(LibCni.Netlink.NetlinkSocket.Route))));
        }

        public TuningLink? GetLink(string name) =>
            _rtnl.GetLink(name) is { } link
                ? new TuningLink(link.Index, link.Name, link.HardwareAddress, link.Mtu, link.Promiscuity != 0, link.IsAllMulticast, link.TxQueueLength)
                : null;

        public void SetMac(int index, byte[] mac) => _rtnl.SetHardwareAddress(index, mac);

        public void SetMtu(int index, int mtu) => _rtnl.SetMtu(index, mtu);

        public void SetPromisc(int index, bool on) => _rtnl.SetPromiscuous(index, on);

        public void SetAllmulti(int index, bool on) => _rtnl.SetAllMulticast(index, on);

        public void SetTxQueueLength(int index, int length) => _rtnl.SetTxQueueLength(index, length);

        // /proc/sys/net shows the netns of the thread that opens the file, hence the setns thread.
        public string ReadSysctl(SysctlKey key) =>
            NetNamespace.Run(_handle, _path, () => TrimNewline(File.ReadAllText(key.FullPath)));

        public void WriteSysctl(SysctlKey key, string value) =>
            NetNamespace.Run(_handle, _path, () =>
            {
                // FileMode.Open: a missing key is an error, never a new file; one write(2) as the kernel wants it.
                using var file = File.OpenHandle(key.FullPath, FileMode.Open, FileAccess.Write);
                RandomAccess.Write(file, System.Text.Encoding.UTF8.GetBytes(value), 0);
                return true;
            });

        public void Dispose()
        {
            _rtnl.Dispose();
            _handle.Dispose();
        }

        private static string TrimNewline(string text) => text.EndsWith('\n') ? text[..^1] : text;
    }
}
