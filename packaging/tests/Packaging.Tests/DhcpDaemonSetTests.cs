using System.Globalization;
using System.Security.Cryptography;
using LibCni.TestKit;
using YamlDotNet.RepresentationModel;
using static Packaging.Tests.DaemonSetManifestTests;

namespace Packaging.Tests;

/// <summary>packaging/kubernetes/cni-dhcp-daemonset.yaml: the dhcp daemon as a DaemonSet, checked against the image
/// it names and the daemon it runs, and then run as it says, in a chroot of the image.</summary>
[Trait("Tier", "Packaging")]
public class DhcpDaemonSetTests(UnpackedImage image) : IClassFixture<UnpackedImage>
{
    private static readonly YamlMappingNode DaemonSet = Load("cni-dhcp-daemonset.yaml");

    private static YamlNode PodSpec => At(DaemonSet, "spec", "template", "spec");

    private static YamlNode Container => Assert.Single(Items(PodSpec, "containers"));

    private static string[] Strings(YamlNode node, params string[] path) => Items(node, path).Select(n => ((YamlScalarNode)n).Value!).ToArray();

    private static string[] Command => Strings(Container, "command");

    private static string[] Args => Strings(Container, "args");

    private static string HostPrefix => Args[Array.IndexOf(Args, "-hostprefix") + 1];

    /// <summary>Host path -> the volume mount of it in the container.</summary>
    private static Dictionary<string, YamlNode> MountsByHostPath()
    {
        var volumes = Items(PodSpec, "volumes").ToDictionary(v => Text(v, "name"), v => Text(v, "hostPath", "path"));
        return Items(Container, "volumeMounts").ToDictionary(m => volumes[Text(m, "name")], m => m);
    }

    [Fact]
    public void IsADaemonSetInKubeSystem_WhoseSelectorMatchesItsPods_AndNotTheInstallers()
    {
        var selector = DaemonSetManifestTests.AssertKubeSystemDaemonSetSelectingItsPods(DaemonSet);

        // Both DaemonSets live in kube-system: neither may select (and so adopt) the other's pods.
        var installer = Load("cni-plugins-daemonset.yaml");
        Assert.NotEqual(Text(installer, "metadata", "name"), Text(DaemonSet, "metadata", "name"));
        var installerPods = (YamlMappingNode)At(installer, "spec", "template", "metadata", "labels");
        Assert.False(selector.Children.All(label => installerPods.Children.TryGetValue(label.Key, out var value) && value.Equals(label.Value)));
    }

    [Fact]
    public void RunsOnEveryNode_ToleratesAllTaints_SystemNodeCritical_RollingUpdate()
    {
        var tolerations = Items(PodSpec, "tolerations").Cast<YamlMappingNode>().ToList();
        Assert.Contains(tolerations, t => Text(t, "operator") == "Exists" && !t.Children.ContainsKey(new YamlScalarNode("key")));
        Assert.Equal("system-node-critical", Text(PodSpec, "priorityClassName"));
        Assert.Equal("RollingUpdate", Text(DaemonSet, "spec", "updateStrategy", "type"));
        Assert.Equal("linux", Text(PodSpec, "nodeSelector", "kubernetes.io/os"));
    }

    [Fact]
    public void HostNetwork_HostPid_Privileged_ReadOnlyRoot()
    {
        // Up before any pod network (it may be what addresses the pods); netns paths name host pids; setns, raw sockets.
        Assert.Equal("true", Text(PodSpec, "hostNetwork"));
        Assert.Equal("true", Text(PodSpec, "hostPID"));
        Assert.Equal("true", Text(Container, "securityContext", "privileged"));
        Assert.Equal("true", Text(Container, "securityContext", "readOnlyRootFilesystem"));
    }

    [Fact]
    public void RunsTheImagesOwnDhcp_AsDaemon_WithFlagsTheDaemonAccepts_FromTheInstallersImage()
    {
        var binary = Assert.Single(Command);
        var inImage = image.InRootfs(binary);
        Assert.True(File.Exists(inImage), $"{binary} is not in the image");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(Repo.Binary("dhcp"))), SHA256.HashData(File.ReadAllBytes(inImage)));

        Assert.Equal("daemon", Args[0]);
        var flags = DhcpDaemon.Flags(Repo.Binary("dhcp"));
        Assert.All(Args.Skip(1).Where(a => a.StartsWith('-')), flag => Assert.Contains(flag.Split('=')[0], flags));
        Assert.Equal("/host", HostPrefix);

        // One image for both DaemonSets, so the daemon and the installed plugin are the same version.
        var installer = Load("cni-plugins-daemonset.yaml");
        var installerImage = Text(Assert.Single(Items(At(installer, "spec", "template", "spec"), "containers")), "image");
        Assert.Equal(installerImage, Text(Container, "image"));
        Assert.Equal($"{Artifacts.ImageRepository}:v{Artifacts.Version}", Text(Container, "image"));
    }

    [Fact]
    public void MountsTheHostsRunCni_NetnsDirs_AndProc_UnderTheHostPrefix()
    {
        var mounts = MountsByHostPath();
        foreach (var hostPath in new[] { "/run/cni", "/var/run/netns", "/run/netns", "/proc" })
        {
            Assert.True(mounts.TryGetValue(hostPath, out var mount), $"{hostPath} is not mounted");
            Assert.Equal(HostPrefix + hostPath, Text(mount!, "mountPath"));
        }

        // The socket the plugin dials and the lease dir are where the daemon puts them: prefix + its defaults.
        var runCni = Text(mounts["/run/cni"], "mountPath");
        Assert.Equal(runCni, HostPrefix + Path.GetDirectoryName(DhcpDaemon.Default(Repo.Binary("dhcp"), "socketpath")));
        Assert.Equal(runCni, HostPrefix + Path.GetDirectoryName(DhcpDaemon.Default(Repo.Binary("dhcp"), "statedir")));
        Assert.Equal("/run/cni/dhcp.sock", DhcpDaemon.Default(Repo.Binary("dhcp"), "socketpath"));
        Assert.False(((YamlMappingNode)mounts["/run/cni"]).Children.ContainsKey(new YamlScalarNode("readOnly")));

        // Runtimes mount pods' netns files after the daemon started: they must propagate into its mount namespace.
        Assert.Equal("HostToContainer", Text(mounts["/var/run/netns"], "mountPropagation"));
        Assert.Equal("HostToContainer", Text(mounts["/run/netns"], "mountPropagation"));
    }

    [Fact]
    public void TheImageRunsTheDaemonAsTheManifestSays_ReadOnlyRoot_ServesUnderTheHostMount_StopsOnSigterm()
    {
        // The image alone, read-only, with a temp dir as the host's / at /host: a private mount namespace (and a
        // private netns: the daemon has no business with the host's network before a request comes).
        using var host = new TempDir();
        var mountpoint = image.InRootfs(HostPrefix);
        Directory.CreateDirectory(mountpoint);
        const string Script = """
            set -e
            rootfs=$0 host=$1 prefix=$2
            shift 2
            mount --bind "$rootfs" "$rootfs"
            mount -o remount,bind,ro "$rootfs"
            mount --bind "$host" "$rootfs$prefix"
            exec chroot "$rootfs" "$@"
            """;
        using var daemon = Shell.StartBackground("unshare", ["--mount", "--net", "--propagation", "private", "sh", "-c", Script,
            image.Rootfs, host.Path, HostPrefix, .. Command, .. Args]);
        var socketPath = host.Combine("run", "cni", "dhcp.sock");
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!File.Exists(socketPath) && !daemon.HasExited && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            Assert.False(daemon.HasExited, $"the daemon exited {(daemon.HasExited ? daemon.ExitCode : 0)}: {(daemon.HasExited ? daemon.StandardError.ReadToEnd() : "")}");
            Assert.True(File.Exists(socketPath), "no dhcp.sock under the host mount");

            // It serves on it: the host's plugin (dist/bin/dhcp) releases a lease nobody holds, through the socket
            // (AF_UNIX paths cross network namespaces). A reply also means the daemon is past its start-up, signal
            // handlers included, and in its accept loop.
            var conf = """{"cniVersion":"1.1.0","name":"packaging-dhcp","type":"macvlan","ipam":{"type":"dhcp","daemonSocketPath":""" + System.Text.Json.JsonSerializer.Serialize(socketPath) + "}}";
            var del = Shell.Exec(Repo.Binary("dhcp"), [], conf, new Dictionary<string, string>
            {
                ["CNI_COMMAND"] = "DEL", ["CNI_CONTAINERID"] = "packaging-test", ["CNI_NETNS"] = "", ["CNI_IFNAME"] = "eth0", ["CNI_PATH"] = Repo.BinDir,
            });
            Assert.True(del.ExitCode == 0, $"dhcp DEL through the daemon exited {del.ExitCode}: {del.Stdout}{del.Stderr}");

            // unshare, sh and chroot all exec: this pid is the daemon's.
            Shell.Run("kill", "-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), "the daemon did not exit on SIGTERM");
            Assert.True(daemon.ExitCode == 0, $"exited {daemon.ExitCode}: {daemon.StandardError.ReadToEnd()}");
            Assert.False(File.Exists(socketPath), "the socket outlived the daemon");
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill();
                daemon.WaitForExit();
            }

            Directory.Delete(mountpoint);
        }
    }
}
