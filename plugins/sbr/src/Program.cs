using CniPlugins.Sbr;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(SbrPlugin.CreateDefault(), () => About.For("sbr"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
