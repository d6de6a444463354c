using CniPlugins.Ptp;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(PtpPlugin.CreateDefault(), () => About.For("ptp"), NetnsIdentity.Instance).Run(ProcessEnvironment.Instance);
