using CniPlugins.HostLocal;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(HostLocalPlugin.CreateDefault(), () => About.For("host-local"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
