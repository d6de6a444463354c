using CniPlugins.Dummy;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(DummyPlugin.CreateDefault(), () => About.For("dummy"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
