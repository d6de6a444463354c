using CniPlugins.Bandwidth;
using CniPlugins.Bridge;
using CniPlugins.Dhcp;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dummy;
using CniPlugins.Firewall;
using CniPlugins.HostDevice;
using CniPlugins.HostLocal;
using CniPlugins.Ipvlan;
using CniPlugins.Loopback;
using CniPlugins.Macvlan;
using CniPlugins.Portmap;
using CniPlugins.Ptp;
using CniPlugins.Sbr;
using CniPlugins.Static;
using CniPlugins.Tap;
using CniPlugins.Tuning;
using CniPlugins.Vlan;
using CniPlugins.Vrf;
using LibCni.Kernel;
using LibCni.Skel;

// One executable, run through a link per plugin (/opt/cni/bin/bridge -> cni-plugins): a runtime execs
// <bin_dir>/<type> with that path as argv[0], so the plugin is argv[0]'s basename. Each case is the plugin's own
// Program.cs, verbatim. Run under its own name, `cni-plugins <plugin> [args]` runs that plugin (busybox style).
// Environment.GetCommandLineArgs()[0] is argv[0] as exec'd; Environment.ProcessPath would be the link's target.
var name = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
if (name == "cni-plugins" && args.Length > 0 && Plugins.Names.Contains(args[0]))
{
    name = args[0];
    args = args[1..];
}

return name switch
{
    "bandwidth" => new PluginHost(BandwidthPlugin.CreateDefault(), () => About.For("bandwidth"), NetnsIdentity.Instance, BandwidthPlugin.SupportedVersions).Run(ProcessEnvironment.Instance),
    "bridge" => new PluginHost(BridgePlugin.CreateDefault(), () => About.For("bridge"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "dhcp" => Plugins.Dhcp(args),
    "dummy" => new PluginHost(DummyPlugin.CreateDefault(), () => About.For("dummy"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "firewall" => new PluginHost(FirewallPlugin.CreateDefault(), () => About.For("firewall"), NetnsIdentity.Instance, FirewallPlugin.SupportedVersions).Run(ProcessEnvironment.Instance),
    "host-device" => new PluginHost(HostDevicePlugin.CreateDefault(), () => About.For("host-device"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "host-local" => new PluginHost(HostLocalPlugin.CreateDefault(), () => About.For("host-local"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "ipvlan" => new PluginHost(IpvlanPlugin.CreateDefault(), () => About.For("ipvlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "loopback" => new PluginHost(new LoopbackPlugin(new KernelLoopback()), () => About.For("loopback"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "macvlan" => new PluginHost(MacvlanPlugin.CreateDefault(), () => About.For("macvlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "portmap" => new PluginHost(PortmapPlugin.CreateDefault(), () => About.For("portmap"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "ptp" => new PluginHost(PtpPlugin.CreateDefault(), () => About.For("ptp"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "sbr" => new PluginHost(SbrPlugin.CreateDefault(), () => About.For("sbr"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "static" => new PluginHost(new StaticPlugin(), () => About.For("static"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "tap" => new PluginHost(TapPlugin.CreateDefault(), () => About.For("tap"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "tuning" => new PluginHost(TuningPlugin.CreateDefault(), () => About.For("tuning"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "vlan" => new PluginHost(VlanPlugin.CreateDefault(), () => About.For("vlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance),
    "vrf" => new PluginHost(VrfPlugin.CreateDefault(), () => About.For("vrf"), NetnsIdentity.Instance, VrfPlugin.SupportedVersions).Run(ProcessEnvironment.Instance),
    _ => Plugins.Unknown(name),
};

internal static class Plugins
{
    public static readonly string[] Names =
    [
        "bandwidth", "bridge", "dhcp", "dummy", "firewall", "host-device", "host-local", "ipvlan", "loopback",
        "macvlan", "portmap", "ptp", "sbr", "static", "tap", "tuning", "vlan", "vrf",
    ];

    // ipam/dhcp/src/Program.cs: "dhcp daemon ..." serves leases, anything else is the CNI plugin.
    public static int Dhcp(string[] args)
    {
        if (args.Length > 0 && args[0] == "daemon")
        {
            return DaemonMain.Run(args[1..]);
        }

        return new PluginHost(new DhcpPlugin(), () => About.For("dhcp") + "\nRun as the lease daemon with: dhcp daemon [flags] (dhcp daemon -h lists them)", NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
    }

    // No CNI result to write: libcni reports a plugin's stderr when its stdout is no error object.
    public static int Unknown(string name)
    {
        var plugins = string.Join(", ", Names);
        Console.Error.WriteLine(name == "cni-plugins"
            ? $"usage: cni-plugins PLUGIN [ARGS...], or run it through a link named after the plugin; plugins: {plugins}"
            : $"cni-plugins: '{name}' is not a plugin of this multi-call binary; run it as (a link named) one of: {plugins}");
        return 1;
    }
}
