using System.CommandLine;
using System.CommandLine.Invocation;
using LibCni.Json;
using LibCni.Runtime;
using LibCni.Skel;
using LibCni.Types;
using Microsoft.Extensions.Logging;

namespace CniPlugins.CniTool;

/// <summary>The process facilities cnitool uses, replaceable in tests.</summary>
internal sealed record ToolContext(TextWriter Stdout, TextWriter Stderr, Func<string, string?> Variable)
{
    public static ToolContext Process { get; } = new(Console.Out, Console.Error, Environment.GetEnvironmentVariable);
}

/// <summary>
/// cnitool: add, check, delete, GC or query the status of a network in a network namespace, through
/// LibCni.Runtime, with Go cnitool's environment variables and output.
/// </summary>
internal static class CniTool
{
    private const string Description = """
        Add, check, remove, gc or status network interfaces from a network namespace.

        Environment:
          NETCONFPATH  directory with the network configurations (default /etc/cni/net.d)
          CNI_PATH     plugin directories, separated by ':'
          CNI_ARGS     extra plugin arguments, K=V;K=V
          CAP_ARGS     capability arguments as a JSON object, e.g. {"portMappings":[...]}
          CNI_IFNAME   interface name in the namespace (default eth0; -i/--ifname wins)
        """;

    private static readonly (string Name, string Help)[] Verbs =
    [
        ("add", "Add the network to the namespace and print the result"),
        ("check", "Check the network's attachment to the namespace"),
        ("del", "Remove the network from the namespace"),
        ("gc", "Delete every cached attachment of the network, then garbage-collect its plugins"),
        ("status", "Ask the network's plugins whether they are ready for ADD"),
    ];

    public static RootCommand Create(ToolContext context)
    {
        var ifName = new Option<string?>("--ifname", "-i")
        {
            Description = "Interface name in the namespace (default: CNI_IFNAME, else eth0)",
            Recursive = true,
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Result cache directory",
            DefaultValueFactory = _ => CniRuntime.DefaultCacheDirectory,
            Recursive = true,
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Log each plugin call to stderr",
            Recursive = true,
        };

        var root = new RootCommand(Description) { ifName, cacheDir, verbose };
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersion(context);
            }
        }

        foreach (var (name, help) in Verbs)
        {
            var network = new Argument<string>("network") { Description = "Network name (the \"name\" of a configuration in NETCONFPATH)" };
            var netns = new Argument<string>("netns") { Description = "Path of the network namespace, e.g. /run/netns/ctr1" };
            var command = new Command(name, help) { network, netns };
            command.SetAction((parse, cancellationToken) => RunAsync(context, new Invocation(
                name,
                parse.GetValue(network)!,
                parse.GetValue(netns)!,
                parse.GetValue(ifName),
                parse.GetValue(cacheDir)!,
                parse.GetValue(verbose)), cancellationToken));
            root.Subcommands.Add(command);
        }

        return root;
    }

    private sealed record Invocation(string Verb, string Network, string Netns, string? IfName, string CacheDir, bool Verbose);

    private static async Task<int> RunAsync(ToolContext context, Invocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var environment = ToolEnvironment.Read(context.Variable);
            var list = ConfigLoader.LoadNetworkConfigList(environment.NetConfPath, invocation.Network);
            var netns = Path.GetFullPath(invocation.Netns);
            var rt = new RuntimeConf
            {
                ContainerId = ToolEnvironment.ContainerIdFor(netns),
                NetNs = netns,
                IfName = invocation.IfName is { Length: > 0 } flag ? flag : environment.IfName,
                Args = environment.CniArgs,
                CapabilityArgs = environment.CapabilityArgs,
            };
            ILogger? logger = invocation.Verbose ? new StderrLogger(context.Stderr) : null;
            var runtime = new CniRuntime(environment.CniPath, new ProcessPluginExecutor(logger: logger) { Stderr = context.Stderr }, invocation.CacheDir, logger: logger);

            switch (invocation.Verb)
            {
                case "add":
                    var result = await runtime.AddNetworkListAsync(list, rt, cancellationToken).ConfigureAwait(false);
                    await context.Stdout.WriteAsync(CniJson.ResultToJson(result)).ConfigureAwait(false);
                    await context.Stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case "check":
                    await runtime.CheckNetworkListAsync(list, rt, cancellationToken).ConfigureAwait(false);
                    break;
                case "del":
                    await runtime.DelNetworkListAsync(list, rt, cancellationToken).ConfigureAwait(false);
                    break;
                case "gc":
                    await runtime.GcNetworkListAsync(list, validAttachments: null, cancellationToken).ConfigureAwait(false);
                    break;
                case "status":
                    await runtime.GetStatusNetworkListAsync(list, cancellationToken).ConfigureAwait(false);
                    break;
            }

            return 0;
        }
        catch (Exception e) when (e is CniRuntimeException or CniException or TimeoutException or OperationCanceledException)
        {
            await context.Stderr.WriteLineAsync(GoText.ErrorText(e)).ConfigureAwait(false);
            return 1;
        }
    }

    private sealed class PrintVersion(ToolContext context) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            context.Stdout.WriteLine($"cnitool {About.BuildVersion}");
            context.Stdout.WriteLine($"CNI protocol versions supported: {string.Join(", ", LibCni.SpecVersions.All)}");
            return 0;
        }
    }
}
