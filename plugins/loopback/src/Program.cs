using CniPlugins.Loopback;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(new LoopbackPlugin(new KernelLoopback()), () => About.For("loopback"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
