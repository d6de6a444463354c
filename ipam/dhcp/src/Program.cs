using CniPlugins.Dhcp;
using CniPlugins.Dhcp.Daemon;
using LibCni.Kernel;
using LibCni.Skel;

// One binary, as the reference: "dhcp daemon ..." serves leases, anything else is the CNI plugin.
if (args.Length > 0 && args[0] == "daemon")
{
    return DaemonMain.Run(args[1..]);
}

return new PluginHost(new DhcpPlugin(), () => About.For("dhcp") + "\nRun as the lease daemon with: dhcp daemon [flags] (dhcp daemon -h lists them)", NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
