using CniPlugins.Ipvlan;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(IpvlanPlugin.CreateDefault(), () => About.For("ipvlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
