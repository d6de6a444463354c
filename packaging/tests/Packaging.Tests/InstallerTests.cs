using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using LibCni.TestKit;

namespace Packaging.Tests;

/// <summary>The published cni-installer against temp dirs standing in for the host mounts.</summary>
[Trait("Tier", "Packaging")]
public class InstallerTests
{
    private const UnixFileMode Mode0755 = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;

    private static ProcessResult Install(params string[] args) => Shell.Exec(Artifacts.Installer, args, null, null);

    private static void InstallOk(params string[] args)
    {
        var result = Install(args);
        Assert.True(result.ExitCode == 0, $"cni-installer {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
    }

    private static byte[] Hash(string path) => SHA256.HashData(File.ReadAllBytes(path));

    [Fact]
    public void InstallsEveryStagedPlugin_Mode0755_ByteIdentical_LogsEach_LeavesNoTempFiles()
    {
        using var host = new TempDir();
        var dest = host.Combine("opt", "cni", "bin");

        var result = Install("--source", Repo.BinDir, "--dest", dest);

        Assert.True(result.ExitCode == 0, result.Stderr);
        foreach (var plugin in Artifacts.Plugins)
        {
            var target = Path.Combine(dest, plugin);
            Assert.Equal(Mode0755, File.GetUnixFileMode(target));
            Assert.Equal(Hash(Repo.Binary(plugin)), Hash(target));
            Assert.Contains($"installed {target} (mode 0755", result.Stdout);
        }

        Assert.Contains($"done: {Artifacts.Plugins.Count} plugins in {dest}", result.Stdout);
        Assert.Equal(Artifacts.Plugins.Order(StringComparer.Ordinal), Directory.EnumerateFiles(dest).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("1.1.0", PluginProbe.Version(Path.Combine(dest, "loopback")).GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Replacing_RenamesANewInodeIn_WhileAnOpenOldFileKeepsItsBytes()
    {
        using var work = new TempDir();
        var dest = work.Combine("dest");
        var other = work.Combine("other");
        Directory.CreateDirectory(other);
        InstallOk("--source", Repo.BinDir, "--dest", dest);

        // A different "loopback" to install over it: what a running process holds must not change under it.
        var target = Path.Combine(dest, "loopback");
        File.WriteAllText(Path.Combine(other, "loopback"), "#!/bin/sh\necho replaced\n");
        var inodeBefore = PluginProbe.Inode(target);
        using var held = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        InstallOk("--source", other, "--dest", dest);

        Assert.NotEqual(inodeBefore, PluginProbe.Inode(target));
        Assert.Equal("replaced", Shell.Run(target).Trim());
        Assert.Equal(Mode0755, File.GetUnixFileMode(target));
        Assert.Equal(Hash(Repo.Binary("loopback")), SHA256.HashData(held));
    }

    [Fact]
    public void ConcurrentExecWhileReplacingRepeatedly_NeverFailsNeverSeesAPartialFile()
    {
        using var work = new TempDir();
        var dest = work.Combine("bin");
        InstallOk("--source", Repo.BinDir, "--dest", dest);
        var target = Path.Combine(dest, "loopback");

        var failures = new ConcurrentQueue<string>();
        var execsDuringInstalls = 0;
        var installing = 0;
        var stop = 0;

        void ExecLoop()
        {
            while (Volatile.Read(ref stop) == 0)
            {
                var duringInstall = Volatile.Read(ref installing) == 1;
                try
                {
                    var result = Shell.Exec(target, [], "", new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" });
                    using var json = JsonDocument.Parse(result.Stdout);
                    if (result.ExitCode != 0 || json.RootElement.GetProperty("cniVersion").GetString() != "1.1.0")
                    {
                        failures.Enqueue($"exit {result.ExitCode}: {result.Stdout} {result.Stderr}");
                    }
                }
                catch (Exception e) when (e is Win32Exception or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    // ETXTBSY ("Text file busy"), ENOENT or a truncated binary land here.
                    failures.Enqueue(e.GetType().Name + ": " + e.Message);
                }

                if (duringInstall && Volatile.Read(ref installing) == 1)
                {
                    Interlocked.Increment(ref execsDuringInstalls);
                }
            }
        }

        var runners = Enumerable.Range(0, 2).Select(_ => new Thread(ExecLoop) { IsBackground = true }).ToList();
        runners.ForEach(t => t.Start());
        var installs = 0;
        var previousInode = PluginProbe.Inode(target);
        var sameInodeInstalls = 0;
        try
        {
            // Replace until enough execs have overlapped an install (counted, not timed); bounded so it cannot hang.
            while ((installs < 10 || Volatile.Read(ref execsDuringInstalls) < 20) && installs < 300)
            {
                Volatile.Write(ref installing, 1);
                InstallOk("--source", Repo.BinDir, "--dest", dest);
                Volatile.Write(ref installing, 0);
                // Each install renames a new inode in (freed numbers get reused later, so compare with the last only).
                var inode = PluginProbe.Inode(target);
                sameInodeInstalls += inode == previousInode ? 1 : 0;
                previousInode = inode;
                installs++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            runners.ForEach(t => t.Join());
        }

        Assert.Empty(failures);
        Assert.True(Volatile.Read(ref execsDuringInstalls) >= 20, $"only {execsDuringInstalls} execs overlapped {installs} installs");
        Assert.Equal(0, sameInodeInstalls);
        Assert.Equal(Hash(Repo.Binary("loopback")), Hash(target));
        Assert.Empty(Directory.EnumerateFiles(dest, ".cni-installer-*"));
    }

    [Fact]
    public void Conflist_DroppedOnlyIfAbsent_OverwrittenOnlyWhenAsked_Mode0644()
    {
        using var work = new TempDir();
        var conflist = Path.Combine(Repo.Root, "packaging", "conf", "10-cniplugins-bridge.conflist");
        var confDir = work.Combine("net.d");
        var target = Path.Combine(confDir, "10-cniplugins-bridge.conflist");
        string[] common = ["--source", Repo.BinDir, "--dest", work.Combine("bin"), "--conflist", conflist, "--conf-dir", confDir];

        var first = Install(common);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(File.ReadAllBytes(conflist), File.ReadAllBytes(target));
        Assert.Equal(Mode0644, File.GetUnixFileMode(target));
        Assert.Contains($"installed {target} (mode 0644)", first.Stdout);

        // An operator's edit survives a reinstall (every DaemonSet pod restart).
        File.WriteAllText(target, "{\"edited\": true}");
        var second = Install(common);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("{\"edited\": true}", File.ReadAllText(target));
        Assert.Contains($"kept existing {target}", second.Stdout);

        Assert.Equal(0, Install([.. common, "--overwrite-conflist"]).ExitCode);
        Assert.Equal(File.ReadAllBytes(conflist), File.ReadAllBytes(target));
        Assert.Empty(Directory.EnumerateFiles(confDir, ".cni-installer-*"));

        // The sample is valid JSON naming plugins that exist.
        using var json = JsonDocument.Parse(File.ReadAllText(conflist));
        Assert.Contains("bridge", json.RootElement.GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("type").GetString()));
    }

    [Fact]
    public void StaleTempFilesFromAKilledRunAreRemoved_FreshOnesOfAConcurrentInstallerKept()
    {
        using var work = new TempDir();
        var dest = work.Combine("bin");
        Directory.CreateDirectory(dest);
        var stale = Path.Combine(dest, ".cni-installer-bridge.node.1.123");
        var fresh = Path.Combine(dest, ".cni-installer-bridge.node.1.456");
        File.WriteAllText(stale, "half");
        File.WriteAllText(fresh, "half");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));

        var result = Install("--source", Repo.BinDir, "--dest", dest);

        Assert.Equal(0, result.ExitCode);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.Contains($"removed stale temp file {stale}", result.Stdout);
    }

    [Theory]
    [InlineData(2, "unknown argument '--bogus'", "--bogus")]
    [InlineData(2, "--dest needs a value", "--dest")]
    [InlineData(2, "--sleep takes no value", "--sleep=yes")]
    [InlineData(2, "--overwrite-conflist needs --conflist", "--overwrite-conflist")]
    [InlineData(1, "--source '/nonexistent/staging' is not a directory", "--source", "/nonexistent/staging")]
    public void BadInvocations_ExitNonZeroWithAMessageNamingTheProblem(int exitCode, string message, params string[] args)
    {
        using var work = new TempDir();
        var result = Install([.. args, .. args.Contains("--dest") ? Array.Empty<string>() : ["--dest", work.Combine("bin")]]);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public void EmptyStaging_FailsInsteadOfReportingSuccess()
    {
        using var work = new TempDir();
        Directory.CreateDirectory(work.Combine("empty"));
        var result = Install("--source", work.Combine("empty"), "--dest", work.Combine("bin"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("holds no plugins", result.Stderr);
    }

    [Fact]
    public void Version_NamesVersionAndCommit()
    {
        Assert.Equal($"cni-installer {Artifacts.Version}+{Artifacts.GitCommit}", Shell.Run(Artifacts.Installer, "--version").Trim());
    }

    [Fact]
    public void Sleep_IdlesAfterInstalling_UntilSigterm_ThenExitsZero()
    {
        using var work = new TempDir();
        var dest = work.Combine("bin");
        var info = new ProcessStartInfo(Artifacts.Installer) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--source", Repo.BinDir, "--dest", dest, "--sleep" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        try
        {
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null && !line.EndsWith("sleeping until SIGTERM", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            Assert.False(process.HasExited);
            Assert.True(File.Exists(Path.Combine(dest, "loopback")));

            Shell.Run("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "did not exit on SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.EndsWith("terminating", process.StandardOutput.ReadToEnd().Trim());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
