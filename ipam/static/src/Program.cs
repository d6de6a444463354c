using CniPlugins.Static;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(new StaticPlugin(), () => About.For("static"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
