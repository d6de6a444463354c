using CniPlugins.Bandwidth;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(BandwidthPlugin.CreateDefault(), () => About.For("bandwidth"), NetnsIdentity.Instance, BandwidthPlugin.SupportedVersions).Run(ProcessEnvironment.Instance);
