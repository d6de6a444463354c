using CniPlugins.Tuning;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(TuningPlugin.CreateDefault(), () => About.For("tuning"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
