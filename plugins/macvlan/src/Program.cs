using CniPlugins.Macvlan;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(MacvlanPlugin.CreateDefault(), () => About.For("macvlan"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
