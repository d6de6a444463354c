using CniPlugins.Tap;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(TapPlugin.CreateDefault(), () => About.For("tap"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
