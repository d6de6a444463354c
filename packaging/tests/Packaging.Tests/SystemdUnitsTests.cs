using System.Text.RegularExpressions;
using LibCni.TestKit;

namespace Packaging.Tests;

/// <summary>A systemd unit file read as systemd reads it: [Section]s of Key=Value, '#'/';' comments, '\' continuations.</summary>
internal sealed class UnitFile
{
    private UnitFile(List<(string Section, string Key, string Value)> entries) => Entries = entries;

    public IReadOnlyList<(string Section, string Key, string Value)> Entries { get; }

    public static UnitFile Parse(string text)
    {
        var entries = new List<(string, string, string)>();
        string? section = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim();
            }

            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                Assert.EndsWith("]", line);
                section = line[1..^1];
                continue;
            }

            Assert.True(section is not null, $"'{line}' before any [Section]");
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(eq > 0, $"'{line}' is not Key=Value");
            entries.Add((section!, line[..eq].Trim(), line[(eq + 1)..].Trim()));
        }

        return new UnitFile(entries);
    }

    public static UnitFile Load(string path) => Parse(File.ReadAllText(path));

    public string[] Sections => Entries.Select(e => e.Section).Distinct().ToArray();

    /// <summary>The one value of a key that must be set exactly once.</summary>
    public string Single(string section, string key) => Assert.Single(Entries, e => e.Section == section && e.Key == key).Value;

    /// <summary>Every word of a list-valued key (After=, Requires=, WantedBy=...), over all its lines.</summary>
    public string[] Words(string section, string key) =>
        Entries.Where(e => e.Section == section && e.Key == key).SelectMany(e => e.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
}

/// <summary>The dhcp daemon, asked about itself: its flags and defaults as its usage text gives them.</summary>
internal static class DhcpDaemon
{
    public static string Usage(string binary)
    {
        // Go's flag package prints the usage for -help; whatever the exit code, the text is what we want.
        var result = Shell.Exec(binary, ["daemon", "-help"], null, null);
        var usage = result.Stderr + result.Stdout;
        Assert.Contains("Usage of dhcp daemon:", usage);
        return usage;
    }

    /// <summary>The flags the daemon accepts, as "-name".</summary>
    public static string[] Flags(string binary) =>
        Regex.Matches(Usage(binary), @"^  (-[a-z]+)\b", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>The default of one string flag, say socketpath -> /run/cni/dhcp.sock.</summary>
    public static string Default(string binary, string flag)
    {
        var match = Regex.Match(Usage(binary), $@"^  -{flag} string\n[^\n]*\(default ""(?<value>[^""]+)""\)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no default for -{flag} in the daemon's usage");
        return match.Groups["value"].Value;
    }
}

/// <summary>packaging/systemd: cni-dhcp.socket and cni-dhcp.service, as shipped in the .deb and the units tarball.</summary>
[Trait("Tier", "Packaging")]
public class SystemdUnitsTests
{
    private static UnitFile Socket => UnitFile.Load(Path.Combine(Artifacts.UnitsSource, "cni-dhcp.socket"));

    private static UnitFile Service => UnitFile.Load(Path.Combine(Artifacts.UnitsSource, "cni-dhcp.service"));

    /// <summary>Every directive the units use, so a misspelt key fails here (systemd-analyze is not on a fresh machine).</summary>
    private static readonly Dictionary<string, string[]> KnownKeys = new()
    {
        ["Unit"] = ["Description", "Documentation", "Requires", "Wants", "After", "Before", "PartOf"],
        ["Socket"] = ["ListenStream", "SocketUser", "SocketGroup", "SocketMode", "DirectoryMode", "RemoveOnStop", "Accept"],
        ["Service"] = ["Type", "ExecStart", "Restart", "RestartSec"],
        ["Install"] = ["WantedBy", "RequiredBy", "Also"],
    };

    [Fact]
    public void PackagingSystemd_HoldsTheDhcpSocketAndService_AndNothingElse()
    {
        Assert.Equal(Artifacts.Units, Directory.EnumerateFiles(Artifacts.UnitsSource).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryKey_IsAKnownDirectiveOfItsSection()
    {
        foreach (var unit in new[] { Socket, Service })
        {
            Assert.All(unit.Entries, e => Assert.True(KnownKeys.TryGetValue(e.Section, out var keys) && keys.Contains(e.Key), $"unknown [{e.Section}] {e.Key}="));
        }

        Assert.Equal(["Unit", "Socket", "Install"], Socket.Sections);
        Assert.Equal(["Unit", "Service", "Install"], Service.Sections);
    }

    [Fact]
    public void Socket_ListensWhereThePluginAndDaemonLookByDefault_RootOnly_RemovedOnStop_PartOfTheService()
    {
        // One stream socket, at the path the daemon binds when started by hand (and the plugin dials) by default.
        var listens = Socket.Entries.Where(e => e.Section == "Socket" && e.Key.StartsWith("Listen", StringComparison.Ordinal)).ToList();
        var listen = Assert.Single(listens);
        Assert.Equal("ListenStream", listen.Key);
        Assert.Equal("/run/cni/dhcp.sock", listen.Value);
        Assert.Equal(DhcpDaemon.Default(Repo.Binary("dhcp"), "socketpath"), listen.Value);

        Assert.Equal("root", Socket.Single("Socket", "SocketUser"));
        Assert.Equal("root", Socket.Single("Socket", "SocketGroup"));
        Assert.Equal("0660", Socket.Single("Socket", "SocketMode"));
        Assert.Contains(Socket.Single("Socket", "RemoveOnStop"), new[] { "yes", "true", "1", "on" });
        // One daemon for all connections, not one per connection (Accept=yes would start cni-dhcp@.service).
        Assert.DoesNotContain(Socket.Entries, e => e.Key == "Accept" && e.Value is "yes" or "true" or "1" or "on");
        Assert.Equal(["cni-dhcp.service"], Socket.Words("Unit", "PartOf"));
        Assert.Equal(["sockets.target"], Socket.Words("Install", "WantedBy"));
    }

    [Fact]
    public void Service_RunsTheInstalledDhcpDaemon_RequiringAndAfterItsSocket()
    {
        Assert.Equal(["/opt/cni/bin/dhcp", "daemon"], Service.Single("Service", "ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cni-dhcp.socket", Service.Words("Unit", "Requires"));
        Assert.Contains("cni-dhcp.socket", Service.Words("Unit", "After"));
        Assert.Contains("network.target", Service.Words("Unit", "After"));
        Assert.Equal(["multi-user.target"], Service.Words("Install", "WantedBy"));

        // /opt/cni/bin/dhcp is where both the .deb and the plugin tarball (unpacked into /opt/cni/bin) put it.
        Assert.Contains(Shell.Run("dpkg-deb", "-c", Artifacts.Deb).Split('\n'), l => l.EndsWith(" ./opt/cni/bin/dhcp", StringComparison.Ordinal));
        Assert.Contains(TarballTests.ReadEntries(Artifacts.Tarball), e => e.Name == "./dhcp");
    }
}
