using CniPlugins.HostDevice;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(HostDevicePlugin.CreateDefault(), () => About.For("host-device"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
