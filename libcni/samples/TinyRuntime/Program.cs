// A whole CNI runtime in one file: attaches a container's network namespace to a network with the
// LibCni.Runtime package, as containerd or CRI-O do with Go libcni.
//   TinyRuntime add|check|del <conflist file> <container id> <netns path> [ifname]
// Plugins are looked up along CNI_PATH; the result cache goes to CNI_CACHE_DIR (default /var/lib/cni).
using System.Diagnostics;
using System.Runtime.Versioning;
using LibCni.Json;
using LibCni.Runtime;
using LibCni.Types;

// CNI is Linux: the packages say so, and so must their callers (or guard with OperatingSystem.IsLinux()).
[assembly: SupportedOSPlatform("linux")]

if (args.Length < 4 || args[0] is not ("add" or "check" or "del"))
{
    Console.Error.WriteLine("usage: TinyRuntime add|check|del <conflist file> <container id> <netns path> [ifname]");
    return 2;
}

var cniPath = (Environment.GetEnvironmentVariable("CNI_PATH") ?? "/opt/cni/bin").Split(':', StringSplitOptions.RemoveEmptyEntries);
var runtime = new CniRuntime(cniPath, cacheDirectory: Environment.GetEnvironmentVariable("CNI_CACHE_DIR"));
var network = ConfigLoader.FromFile(args[1]);
var rt = new RuntimeConf { ContainerId = args[2], NetNs = args[3], IfName = args.Length > 4 ? args[4] : "eth0" };

// The request's trace: every plugin of this call gets it as TRACEPARENT.
using var activity = new Activity($"cni-{args[0]}").Start();
try
{
    switch (args[0])
    {
        case "add":
            var result = await runtime.AddNetworkListAsync(network, rt);
            Console.WriteLine(CniJson.ResultToJson(result));
            break;
        case "check":
            await runtime.CheckNetworkListAsync(network, rt);
            break;
        case "del":
            await runtime.DelNetworkListAsync(network, rt);
            break;
    }

    Console.Error.WriteLine($"{args[0]} {network.Name} for {rt.ContainerId}: ok (trace {activity.TraceId})");
    return 0;
}
catch (CniRuntimeException e)
{
    Console.Error.WriteLine($"{args[0]} failed: {e.Message} (plugin code {e.PluginError?.Code})");
    return 1;
}
catch (CniException e)
{
    Console.Error.WriteLine($"{args[0]} failed: code {e.Code}: {e.Message}");
    return 1;
}
