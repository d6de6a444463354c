using LibCni.TestKit;
using YamlDotNet.RepresentationModel;

namespace Packaging.Tests;

/// <summary>packaging/kubernetes/cni-plugins-daemonset.yaml, parsed as YAML and checked field by field.</summary>
[Trait("Tier", "Packaging")]
public class DaemonSetManifestTests
{
    private static readonly YamlMappingNode DaemonSet = Load("cni-plugins-daemonset.yaml");

    /// <summary>One manifest of packaging/kubernetes, which must hold exactly one document.</summary>
    internal static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Repo.Root, "packaging", "kubernetes", file));
        stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    internal static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            var mapping = Assert.IsType<YamlMappingNode>(node);
            Assert.True(mapping.Children.TryGetValue(new YamlScalarNode(key), out var child), $"no '{key}' in the manifest at {string.Join('.', path)}");
            node = child!;
        }

        return node;
    }

    internal static string Text(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(At(node, path)).Value!;

    internal static IEnumerable<YamlNode> Items(YamlNode node, params string[] path) => Assert.IsType<YamlSequenceNode>(At(node, path)).Children;

    private static YamlNode PodSpec => At(DaemonSet, "spec", "template", "spec");

    private static YamlNode Container => Assert.Single(Items(PodSpec, "containers"));

    [Fact]
    public void IsADaemonSetInKubeSystem_WhoseSelectorMatchesItsPods() => AssertKubeSystemDaemonSetSelectingItsPods(DaemonSet);

    /// <summary>apps/v1 DaemonSet in kube-system whose selector matches its own pod template; returns the selector.</summary>
    internal static YamlMappingNode AssertKubeSystemDaemonSetSelectingItsPods(YamlNode daemonSet)
    {
        Assert.Equal("apps/v1", Text(daemonSet, "apiVersion"));
        Assert.Equal("DaemonSet", Text(daemonSet, "kind"));
        Assert.Equal("kube-system", Text(daemonSet, "metadata", "namespace"));
        var selector = (YamlMappingNode)At(daemonSet, "spec", "selector", "matchLabels");
        var podLabels = (YamlMappingNode)At(daemonSet, "spec", "template", "metadata", "labels");
        Assert.All(selector.Children, label => Assert.Equal(label.Value, podLabels.Children[label.Key]));
        return selector;
    }

    [Fact]
    public void RunsOnEveryNode_ToleratesAllTaints_SystemNodeCritical_RollingUpdate()
    {
        var tolerations = Items(PodSpec, "tolerations").Cast<YamlMappingNode>().ToList();
        Assert.Contains(tolerations, t => Text(t, "operator") == "Exists" && !t.Children.ContainsKey(new YamlScalarNode("key")));
        Assert.Equal("system-node-critical", Text(PodSpec, "priorityClassName"));
        Assert.Equal("RollingUpdate", Text(DaemonSet, "spec", "updateStrategy", "type"));
        Assert.Matches(@"^([1-9][0-9]*|[1-9][0-9]?%|100%)$", Text(DaemonSet, "spec", "updateStrategy", "rollingUpdate", "maxUnavailable"));

        // Copying files needs no host network.
        var spec = (YamlMappingNode)PodSpec;
        Assert.True(!spec.Children.TryGetValue(new YamlScalarNode("hostNetwork"), out var hostNetwork) || ((YamlScalarNode)hostNetwork).Value == "false");
    }

    [Fact]
    public void MountsHostOptCniBinAndNetD_WhereTheInstallerWrites()
    {
        var volumes = Items(PodSpec, "volumes").ToDictionary(v => Text(v, "name"), v => Text(v, "hostPath", "path"));
        var mounts = Items(Container, "volumeMounts").ToDictionary(m => Text(m, "name"), m => Text(m, "mountPath"));
        var hostToContainer = volumes.ToDictionary(v => v.Value, v => mounts[v.Key]);

        Assert.Equal("/host/opt/cni/bin", hostToContainer["/opt/cni/bin"]);
        Assert.Equal("/host/etc/cni/net.d", hostToContainer["/etc/cni/net.d"]);
        Assert.All(Items(PodSpec, "volumes"), v => Assert.Equal("DirectoryOrCreate", Text(v, "hostPath", "type")));

        var args = Items(Container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();
        Assert.Contains("--dest=/host/opt/cni/bin", args);
        Assert.Contains("--sleep", args);
    }

    [Fact]
    public void Args_AreOnesTheInstallerAccepts_AndItsSourceIsWhereTheImageStagesPlugins()
    {
        var args = Items(Container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();
        var usage = Shell.Run(Artifacts.Installer, "--help");
        Assert.All(args, arg => Assert.Contains("  " + arg.Split('=')[0] + " ", usage));
        Assert.Contains("--source=/opt/cni/bin-staging", args);
        Assert.Contains("COPY plugins/ /opt/cni/bin-staging/", File.ReadAllText(Path.Combine(Repo.Root, "packaging", "Containerfile")));
    }

    [Fact]
    public void HasRequestsAndLimits()
    {
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.Matches("^[0-9]+m?$", Text(Container, "resources", kind, "cpu"));
            Assert.Matches("^[0-9]+(Mi|Gi)$", Text(Container, "resources", kind, "memory"));
        }
    }

    [Fact]
    public void ImageIsThePlaceholderRepository_TaggedWithVersion()
    {
        Assert.Equal($"{Artifacts.ImageRepository}:v{Artifacts.Version}", Text(Container, "image"));
    }
}
