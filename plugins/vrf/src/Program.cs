using CniPlugins.Vrf;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(VrfPlugin.CreateDefault(), () => About.For("vrf"), NetnsIdentity.Instance, VrfPlugin.SupportedVersions).Run(ProcessEnvironment.Instance);
