using System.Text.Json.Nodes;
using LibCni.TestKit;
using SpecTests.Profiles;

namespace SpecTests.Kit;

/// <summary>One container attachment: the identity the spec keys everything on, and its netns.</summary>
public sealed record Attachment(string ContainerId, string IfName, TestNetns Netns, int Index)
{
    public string NetnsPath => Netns.Path;
}

/// <summary>
/// Everything one case owns: throwaway namespaces (containers and, for plugins that touch the host, a
/// private "host"), a temp dir for IPAM state and unique names. All of it is removed on dispose.
/// </summary>
public sealed class CaseContext : IDisposable
{
    private readonly List<TestNetns> _namespaces = [];
    private readonly List<(Type Type, IDisposable Fixture)> _fixtures = [];
    private readonly string _scratch;
    private TestNetns? _host;
    private int _attachments;

    public CaseContext(PluginProfile profile, string version)
    {
        Profile = profile;
        Version = version;
        var unique = Guid.NewGuid().ToString("N")[..8];
        BridgeName = $"cnisp{unique}";
        NetworkName = $"spec-{profile.Name}-{unique}";
        _scratch = Directory.CreateTempSubdirectory("cni-spec-").FullName;
        DataDir = Path.Combine(_scratch, "ipam");
    }

    public PluginProfile Profile { get; }

    public string Plugin => Profile.Name;

    /// <summary>The config's cniVersion for this case.</summary>
    public string Version { get; }

    public string BridgeName { get; }

    public string NetworkName { get; }

    /// <summary>host-local's dataDir for this case only.</summary>
    public string DataDir { get; }

    /// <summary>The case's private host netns, made on first use; plugins that touch the host run inside it.</summary>
    public TestNetns Host
    {
        get
        {
            if (_host is null)
            {
                _host = Track(TestNetns.Create("cnisph"));
                _host.Ip("link", "set", "lo", "up");
                Profile.PrepareHost(this);
            }

            return _host;
        }
    }

    /// <summary>A fresh container netns and identity.</summary>
    public Attachment NewAttachment(string ifName = "eth0")
    {
        var index = Interlocked.Increment(ref _attachments);
        var attachment = new Attachment($"spec-ctr-{index}-{Guid.NewGuid().ToString("N")[..6]}", ifName, Track(TestNetns.Create("cnispc")), index);
        Profile.PrepareAttachment(this, attachment);
        return attachment;
    }

    /// <summary>
    /// The case's one <typeparamref name="T"/> (a server, a daemon a plugin talks to), made on first use; disposed
    /// with the case, newest first, before its namespaces go.
    /// </summary>
    public T Fixture<T>(Func<T> create)
        where T : class, IDisposable
    {
        lock (_fixtures)
        {
            if (_fixtures.FirstOrDefault(f => f.Type == typeof(T)).Fixture is T existing)
            {
                return existing;
            }

            var made = create();
            _fixtures.Add((typeof(T), made));
            return made;
        }
    }

    /// <summary>Runs the plugin as a runtime would for one attachment.</summary>
    public ProcessResult Invoke(string command, JsonObject config, Attachment? attachment, Action<Dictionary<string, string>>? adjustEnv = null)
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = command, ["CNI_PATH"] = SpecSettings.PluginDir };
        if (attachment is not null)
        {
            env["CNI_CONTAINERID"] = attachment.ContainerId;
            env["CNI_NETNS"] = attachment.NetnsPath;
            env["CNI_IFNAME"] = attachment.IfName;
            env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=spec;K8S_POD_NAME=" + attachment.ContainerId;
        }

        adjustEnv?.Invoke(env);
        return Exec(env, config.ToJsonString());
    }

    /// <summary>Runs the plugin with exactly this environment (plus PATH) and stdin.</summary>
    public ProcessResult Exec(IDictionary<string, string> env, string stdin)
    {
        var binary = SpecSettings.PluginPath(Plugin);
        Profile.AdjustEnvironment(env);
        return Profile.RunsInHost
            ? Shell.Exec("ip", ["netns", "exec", Host.Name, binary], stdin, env, clearEnvironment: true)
            : Shell.Exec(binary, [], stdin, env, clearEnvironment: true);
    }

    /// <summary>The base config of this plugin for this case's version (profile-specific, standalone).</summary>
    public JsonObject Config(Attachment attachment) => Profile.Config(this, attachment);

    public void Dispose()
    {
        foreach (var (_, fixture) in _fixtures.AsEnumerable().Reverse())
        {
            fixture.Dispose();
        }

        foreach (var ns in _namespaces.AsEnumerable().Reverse())
        {
            ns.Dispose();
        }

        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it lives under /tmp.
        }
    }

    private TestNetns Track(TestNetns ns)
    {
        _namespaces.Add(ns);
        return ns;
    }
}
