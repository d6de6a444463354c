using System.Text.Json;
using System.Text.Json.Nodes;
using LibCni;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Cases;

/// <summary>The calling convention: environment variables, verbs, VERSION, version rejection, about text.</summary>
public static class EnvironmentCases
{
    public static IEnumerable<SpecCase> All =>
    [
        new("version-output", "1.2", "VERSION prints {cniVersion, supportedVersions} and needs no other variable", SpecCase.Once, VersionOutput),
        new("about", "1.10", "Without CNI_COMMAND: exit 0, nothing on stdout, the supported versions on stderr", SpecCase.Once, About),
        new("env-missing-add", "1.3", "ADD without CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME: code 4 naming all three, in order", SpecCase.Once,
            ctx => MissingVariables(ctx, "ADD", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"], [])),
        new("env-missing-del", "1.3", "DEL without CNI_CONTAINERID, CNI_IFNAME: code 4 naming both, in order, not the optional CNI_NETNS", SpecCase.Once,
            ctx => MissingVariables(ctx, "DEL", ["CNI_CONTAINERID", "CNI_IFNAME"], ["CNI_NETNS"])),
        new("env-missing-check", "1.3", "CHECK without CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME: code 4 naming all three, in order", SpecCase.From("0.4.0"),
            ctx => MissingVariables(ctx, "CHECK", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"], [])),
        new("env-missing-gc", "1.3", "GC without CNI_PATH (required for GC): code 4 naming it", SpecCase.From("1.1.0"),
            ctx => MissingVariables(ctx, "GC", ["CNI_PATH"], [], withPath: false)),
        new("cni-path-optional", "1.3", "CNI_PATH is optional for ADD and DEL: both succeed without it", SpecCase.Once, CniPathOptional),
        new("netns-optional-del", "1.3", "CNI_NETNS is optional for DEL: DEL without it succeeds", SpecCase.Once, NetnsOptionalForDel),
        new("invalid-container-id", "1.3", "A container ID outside [a-zA-Z0-9][a-zA-Z0-9_.-]* is rejected with code 4", SpecCase.Once, InvalidContainerId),
        new("unknown-command", "1.2", "An unknown CNI_COMMAND is rejected with code 4", SpecCase.Once, UnknownCommand),
        new("unsupported-version", "1.8", "ADD and DEL with a config version the plugin does not claim are rejected with code 1", SpecCase.Once, UnsupportedVersion),
    ];

    private static void VersionOutput(CaseContext ctx)
    {
        foreach (var input in new[] { ctx.Version, "0.1.0" })
        {
            var run = ctx.Exec(new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, $$"""{"cniVersion":"{{input}}"}""");
            var info = CniAssert.Result(run, $"VERSION with stdin cniVersion {input}");
            Assert.True(info["cniVersion"]?.GetValueKind() == JsonValueKind.String && SpecVersions.TryParse(info["cniVersion"]!.GetValue<string>(), out _),
                $"VERSION needs a cniVersion string: {run.Stdout.Trim()}");
            var supported = info["supportedVersions"] as JsonArray;
            Assert.True(supported is { Count: > 0 }, $"VERSION needs a non-empty supportedVersions list: {run.Stdout.Trim()}");
            foreach (var version in supported!)
            {
                Assert.True(version?.GetValueKind() == JsonValueKind.String && SpecVersions.TryParse(version.GetValue<string>(), out _),
                    $"supportedVersions holds version strings: {run.Stdout.Trim()}");
            }
        }
    }

    private static void About(CaseContext ctx)
    {
        var run = ctx.Exec(new Dictionary<string, string>(), "");
        Assert.True(run.ExitCode == 0, $"without CNI_COMMAND the plugin prints its about text and exits 0; got {run.ExitCode}: {run.Stdout.Trim()}");
        Assert.True(run.Stdout.Length == 0, $"about text goes to stderr, stdout stays empty: {run.Stdout.Trim()}");
        foreach (var version in ClaimedVersions.Of(ctx.Plugin))
        {
            Assert.Contains(version, run.Stderr, StringComparison.Ordinal);
        }
    }

    private static void MissingVariables(CaseContext ctx, string command, string[] expected, string[] optional, bool withPath = true)
    {
        var attachment = ctx.NewAttachment();
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = command };
        if (withPath)
        {
            env["CNI_PATH"] = SpecSettings.PluginDir;
        }

        var run = ctx.Exec(env, ctx.Config(attachment).ToJsonString());
        var msg = CniAssert.Msg(CniAssert.Error(run, $"{command} without {string.Join(", ", expected)}", code: 4));
        var positions = expected.Select(name => msg.IndexOf(name, StringComparison.Ordinal)).ToList();
        Assert.True(positions.All(p => p >= 0), $"the error must name every missing variable ({string.Join(", ", expected)}) at once: \"{msg}\"");
        Assert.True(positions.SequenceEqual(positions.Order()), $"missing variables are named in the spec's order ({string.Join(", ", expected)}): \"{msg}\"");
        foreach (var name in optional)
        {
            Assert.DoesNotContain(name, msg, StringComparison.Ordinal);
        }
    }

    private static void CniPathOptional(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Profile.ConfigWithoutDelegate(ctx, attachment);
        if (config is null)
        {
            // CNI_PATH is where the delegate is found: without it ADD fails with an error, and DEL of nothing succeeds.
            CniAssert.Error(ctx.Invoke("ADD", ctx.Config(attachment), attachment, env => env.Remove("CNI_PATH")), "ADD without CNI_PATH of a plugin that must delegate");
            CniAssert.Silent(ctx.Invoke("DEL", ctx.Config(attachment), attachment), "DEL after the failed ADD");
            return;
        }

        var result = CniAssert.Result(ctx.Invoke("ADD", config, attachment, env => env.Remove("CNI_PATH")), "ADD without CNI_PATH");
        var del = SpecVersions.AtLeast(ctx.Version, "0.4.0") ? PrevResults.With(config, result) : config;
        CniAssert.Silent(ctx.Invoke("DEL", del, attachment, env => env.Remove("CNI_PATH")), "DEL without CNI_PATH");
    }

    private static void NetnsOptionalForDel(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        var config = ctx.Config(attachment);
        CniAssert.Result(ctx.Invoke("ADD", config, attachment), "ADD");
        CniAssert.Silent(ctx.Invoke("DEL", config, attachment, env => env.Remove("CNI_NETNS")), "DEL without CNI_NETNS");
    }

    private static void InvalidContainerId(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        foreach (var id in new[] { "bad/id", "-leading-dash", "white space" })
        {
            CniAssert.Error(ctx.Invoke("ADD", ctx.Config(attachment), attachment, env => env["CNI_CONTAINERID"] = id), $"ADD with container ID \"{id}\"", code: 4);
        }
    }

    private static void UnknownCommand(CaseContext ctx)
    {
        var attachment = ctx.NewAttachment();
        CniAssert.Error(ctx.Invoke("FROBNICATE", ctx.Config(attachment), attachment), "CNI_COMMAND=FROBNICATE", code: 4);
    }

    private static void UnsupportedVersion(CaseContext ctx)
    {
        var claimed = ClaimedVersions.Of(ctx.Plugin);
        foreach (var version in SpecVersions.All.Except(claimed).Append("99.0.0"))
        {
            var attachment = ctx.NewAttachment();
            var config = ctx.Config(attachment);
            config["cniVersion"] = version;
            foreach (var command in new[] { "ADD", "DEL" })
            {
                CniAssert.Error(ctx.Invoke(command, config, attachment), $"{command} with unclaimed cniVersion {version}", code: 1);
            }
        }
    }
}
