using CniPlugins.Portmap;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(PortmapPlugin.CreateDefault(), () => About.For("portmap"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
