using CniPlugins.Bridge;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(BridgePlugin.CreateDefault(), () => About.For("bridge"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
