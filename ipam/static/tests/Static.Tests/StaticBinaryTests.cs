using System.Text.Json;
using LibCni;
using LibCni.TestKit;
using Xunit;

namespace Static.Tests;

/// <summary>
/// The published AOT binary exec'd as a runtime does, and side by side with Debian's reference static (Go, v1.1.1)
/// in /usr/lib/cni: same addresses, same messages (codes and details are ours). static never enters the netns, but
/// ADD needs a CNI_NETNS that is not the plugin's own, so each test makes a throwaway one.
/// </summary>
[Trait("Tier", "Binary")]
public sealed class StaticBinaryTests : IDisposable
{
    private const string ReferencePlugin = "/usr/lib/cni/static";
    private readonly BinaryHost _host = new("cni-static-", hostPrefix: null);
    private readonly TestNetns _container;

    public StaticBinaryTests() => _container = _host.Container("cnistatic");

    public void Dispose() => _host.Dispose();

    private static string Conf(string version, string ipam, string extra = "") =>
        $$$"""{"cniVersion":"{{{version}}}","name":"net1","type":"bridge"{{{extra}}},"ipam":{"type":"static"{{{ipam}}}}}""";

    private ProcessResult Ours(string command, string conf, string? cniArgs = null) =>
        _host.Exec("static", conf, BinaryHost.Environment(command, "ctr1", _container.Path, cniArgs: cniArgs));

    private ProcessResult Reference(string command, string conf, string? cniArgs = null)
    {
        Assert.True(File.Exists(ReferencePlugin), $"{ReferencePlugin} is missing: install Debian's containernetworking-plugins");
        return Shell.Exec(ReferencePlugin, [], conf, BinaryHost.Environment(command, "ctr1", _container.Path, cniArgs: cniArgs), clearEnvironment: true);
    }

    private static string[] Ips(ProcessResult add)
    {
        BinaryHost.Ok(add);
        var root = JsonDocument.Parse(add.Stdout).RootElement;
        return root.TryGetProperty("ips", out var ips)
            ? ips.EnumerateArray().Select(ip => ip.GetProperty("address").GetString() + (ip.TryGetProperty("gateway", out var gw) ? " via " + gw.GetString() : "")).ToArray()
            : [];
    }

    private static string Msg(ProcessResult failed)
    {
        Assert.True(failed.ExitCode == 1, $"exit {failed.ExitCode}: {failed.Stdout}{failed.Stderr}");
        Assert.Equal("", failed.Stderr);
        return JsonDocument.Parse(failed.Stdout).RootElement.GetProperty("msg").GetString()!;
    }

    [Theory]
    [MemberData(nameof(SpecVersionData.All), MemberType = typeof(SpecVersionData))]
    public void Add_check_del_for_every_spec_version(string version)
    {
        const string ipam = ""","addresses":[{"address":"10.7.0.5/24","gateway":"10.7.0.1"},{"address":"fd00:7::5/64"}],"routes":[{"dst":"0.0.0.0/0"}]""";
        var conf = Conf(version, ipam);
        var add = Ours("ADD", conf);
        BinaryHost.Ok(add);
        var root = JsonDocument.Parse(add.Stdout).RootElement;
        Assert.Equal(version, root.GetProperty("cniVersion").GetString());
        Assert.Contains("10.7.0.5/24", add.Stdout, StringComparison.Ordinal);
        Assert.Contains("fd00:7::5/64", add.Stdout, StringComparison.Ordinal);
        if (SpecVersionData.HasCheck(version))
        {
            var check = Ours("CHECK", Conf(version, ipam, extra: $",\"prevResult\":{add.Stdout}"));
            Assert.Equal((0, "", ""), (check.ExitCode, check.Stdout, check.Stderr));
        }

        var del = Ours("DEL", conf);
        Assert.Equal((0, ""), (del.ExitCode, del.Stdout));
    }

    [Fact]
    public void Version_and_about()
    {
        var version = _host.Exec("static", "", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" });
        BinaryHost.Ok(version);
        Assert.Equal(SpecVersions.All, JsonDocument.Parse(version.Stdout).RootElement.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()!));

        var about = _host.Exec("static", "", new Dictionary<string, string>());
        Assert.Equal((0, ""), (about.ExitCode, about.Stdout));
        Assert.StartsWith("CNI static plugin v", about.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_is_exit_1_with_error_json_and_no_trace()
    {
        var notJson = Ours("ADD", "{");
        Assert.Equal(6, JsonDocument.Parse(notJson.Stdout).RootElement.GetProperty("code").GetInt32());
        Assert.Equal(1, notJson.ExitCode);
        Assert.Equal("IPAM config missing 'ipam' key", Msg(Ours("ADD", """{"cniVersion":"1.0.0","name":"net1","type":"bridge"}""")));
        Assert.Equal("Required prevResult missing", Msg(Ours("CHECK", Conf("1.0.0", ""","addresses":[{"address":"10.7.0.5/24"}]"""))));
    }

    /// <summary>Inputs whose result or message must be the reference's, CNI_ARGS included.</summary>
    public static TheoryData<string, string, string?> SameAsReference => new()
    {
        { "1.0.0", ""","addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"address":"fd00::5/64"}]""", null },
        { "1.0.0", ""","addresses":[{"address":"10.5.9.9/16"}]""", "IP=10.5.0.3/16, 10.6.0.4/24;GATEWAY=10.5.0.1" },
        { "0.2.0", ""","addresses":[{"address":"10.1.2.3/24"},{"address":"10.1.2.4/24"}]""", null },
        { "", ""","addresses":[{"address":"10.1.2.3/24"},{"address":"10.1.2.4/24"}]""", null },
        { "0.3.1", ""","addresses":[{"address":"10.1.2.3/24","gateway":"bad"}]""", null },
        { "1.0.0", ""","addresses":[{"address":"10.1.2.3"}]""", null },
        { "1.0.0", ""","addresses":[{"address":"x"}]}, "args":{"cni":{"ips":["10.9.0.1/24","bad"]}""", null },
        { "1.0.0", ""","addresses":[{"address":"x"}]}, "args":{"cni":{"ips":["10.9.0.1/24"]}}, "runtimeConfig":{"ips":["10.8.0.1/24","fd00::3/64"]""", null },
        { "1.0.0", "", "IP=10.1.0.1/24;GATEWAY=bad, 10.1.0.9" },
        { "1.0.0", "", "IP=10.1.0.1/24," },
        { "1.0.0", "", "IP=10.1.0.1" },
        { "0.2.0", ""","addresses":[]""", null },
    };

    [Theory]
    [MemberData(nameof(SameAsReference))]
    public void Add_matches_the_reference(string version, string ipam, string? cniArgs)
    {
        var conf = Conf(version, ipam);
        var ours = Ours("ADD", conf, cniArgs);
        var reference = Reference("ADD", conf, cniArgs);
        Assert.Equal(reference.ExitCode, ours.ExitCode);
        if (reference.ExitCode == 0)
        {
            Assert.Equal(Ips(reference), Ips(ours));
        }
        else
        {
            Assert.Equal(Msg(reference), Msg(ours));
        }
    }

    [Theory]
    [InlineData("""[{"address":"10.1.2.3/24","gateway":"10.1.2.1"}]""")]
    [InlineData("""[{"address":"10.1.2.3/8","gateway":"10.1.2.9"}]""")]
    [InlineData("""[{"address":"10.7.2.3/8","gateway":"10.1.2.9"}]""")]
    [InlineData("""[{"address":"10.1.2.3/8"}]""")]
    public void Check_matches_the_reference(string addresses)
    {
        var conf = Conf("1.0.0", $""","addresses":{addresses}""",
            extra: ""","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"address":"10.1.2.3/16"}]}""");
        var ours = Ours("CHECK", conf);
        var reference = Reference("CHECK", conf);
        Assert.Equal(reference.ExitCode, ours.ExitCode);
        Assert.Equal(reference.ExitCode == 0 ? "" : Msg(reference), reference.ExitCode == 0 ? ours.Stdout : Msg(ours));
    }
}
