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
        private readonly NetnsSession _session;
        private readonly RtnlClient _rtnl;

        public Netns(SafeFileHandle handle, string path)
        {
            // One thread in the container netns serves the socket's creation and every sysctl.
            _handle = handle;
            _session = new NetnsSession(handle, path);
            _rtnl = new RtnlClient(new LibCni.Netlink.NetlinkClient(_session.Run(() => LibCni.Netlink.NetlinkSocket.Open(LibCni.Netlink.NetlinkSocket.Route))));
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
        public string ReadSysctl(SysctlKey key) => _session.Run(() => Sysctl.ReadExact([.. key.Components]));

        public void WriteSysctl(SysctlKey key, string value) => _session.Run(() => Sysctl.Write(value, [.. key.Components]));

        public void Dispose()
        {
            _rtnl.Dispose();
            _session.Dispose();
            _handle.Dispose();
        }

    }
}
