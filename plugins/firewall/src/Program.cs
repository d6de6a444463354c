using CniPlugins.Firewall;
using LibCni.Kernel;
using LibCni.Skel;

return new PluginHost(FirewallPlugin.CreateDefault(), () => About.For("firewall"), NetnsIdentity.Instance, FirewallPlugin.SupportedVersions).Run(ProcessEnvironment.Instance);
