using CniPlugins.Vlan;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(VlanPlugin.CreateDefault(), () => About.For("vlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
