using System.Text;
using System.Text.Json;
using LibCni.Config;
using LibCni.Json;
using LibCni.Types;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LibCni.Runtime;

/// <summary>The configuration bytes and arguments an ADD was cached with.</summary>
/// <param name="Config">The configuration bytes the ADD used.</param>
/// <param name="RuntimeConf">The caller's arguments with the cached CNI_ARGS and capability args substituted.</param>
public sealed record CachedConfig(byte[] Config, RuntimeConf RuntimeConf);

/// <summary>
/// Runs CNI plugins for a container runtime, as Go libcni's <c>CNIConfig</c> does: ADD/CHECK/DEL of a network
/// configuration list with the result cache, GC, STATUS and plugin version queries. Plugins are found along
/// <see cref="PluginPaths"/> and run through an <see cref="IPluginExecutor"/>.
/// </summary>
public sealed class CniRuntime : ICniRuntime
{
    /// <summary>Go libcni's default cache directory (<c>libcni.CacheDir</c>).</summary>
    public const string DefaultCacheDirectory = "/var/lib/cni";

    /// <summary>The <c>kind</c> of the cache files this runtime and Go libcni write (<c>libcni.CNICacheV1</c>).</summary>
    public const string CacheFormatV1 = CacheEntry.KindV1;

    private readonly IPluginExecutor _executor;
    private readonly ICacheFileSystem _cacheFiles;
    private readonly string? _configuredCacheDirectory;
    private readonly ILogger _logger;

    /// <summary>Creates a runtime.</summary>
    /// <param name="pluginPaths">The directories to look for plugin binaries in (CNI_PATH), in order.</param>
    /// <param name="executor">Runs the plugins; by default a <see cref="ProcessPluginExecutor"/> without timeout.</param>
    /// <param name="cacheDirectory">The cache root; when null, a call's deprecated <see cref="RuntimeConf.CacheDir"/>, else <see cref="DefaultCacheDirectory"/> (Go's order).</param>
    /// <param name="cacheFiles">File access for the cache; the real disk by default.</param>
    /// <param name="logger">Where to log; quiet by default.</param>
    public CniRuntime(
        IEnumerable<string> pluginPaths,
        IPluginExecutor? executor = null,
        string? cacheDirectory = null,
        ICacheFileSystem? cacheFiles = null,
        ILogger? logger = null)
    {
        PluginPaths = pluginPaths.ToList();
        _logger = logger ?? NullLogger.Instance;
        _executor = executor ?? new ProcessPluginExecutor(logger: _logger);
        _configuredCacheDirectory = string.IsNullOrEmpty(cacheDirectory) ? null : cacheDirectory;
        _cacheFiles = cacheFiles ?? DiskCacheFileSystem.Instance;
    }

    /// <summary>The plugin directories, searched in order.</summary>
    public IReadOnlyList<string> PluginPaths { get; }

    /// <summary>The cache root given to the constructor, else <see cref="DefaultCacheDirectory"/>; results live in its <c>results</c> folder.</summary>
    public string CacheDirectory => _configuredCacheDirectory ?? DefaultCacheDirectory;

    /// <summary>
    /// ADD: runs the plugins in order, each getting the previous one's result as <c>prevResult</c>, then
    /// caches the final result. Nothing is undone on failure (as in Go libcni): the caller should DEL.
    /// </summary>
    /// <returns>The last plugin's result, in the version it emitted.</returns>
    /// <exception cref="CniRuntimeException"><c>plugin type="..." failed (add): ...</c>; <see cref="CniRuntimeException.PluginError"/> has the plugin's code.</exception>
    public async Task<ICniResult> AddNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        ICniResult? result = null;
        foreach (var plugin in list.Plugins)
        {
            try
            {
                result = await AddPluginAsync(list.Name, list.CniVersion, plugin, result, rt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Wrap(plugin, "add", e);
            }
        }

        if (result is null)
        {
            throw new CniRuntimeException("no plugin configs found");
        }

        SaveToCache(result, list.Bytes, list.Name, rt);
        return result;
    }

    /// <summary>
    /// CHECK: runs the plugins in order with the cached result as <c>prevResult</c>. Succeeds without running
    /// anything when the list sets <c>disableCheck</c>.
    /// </summary>
    /// <exception cref="CniRuntimeException">The version is below 0.4.0, or the cache is corrupt, or a plugin cannot be found.</exception>
    /// <exception cref="CniException">The first plugin error, unwrapped.</exception>
    public async Task CheckNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        if (!AtLeast(list.CniVersion, "0.4.0"))
        {
            throw new CheckNotSupportedException(list.CniVersion);
        }

        if (list.DisableCheck)
        {
            _logger.LogDebug("network {Network} sets disableCheck: CHECK skipped", list.Name);
            return;
        }

        var cached = LoadCachedResultForCheck(list.Name, list.CniVersion, rt);
        foreach (var plugin in list.Plugins)
        {
            await RunPluginAsync(plugin, RequestBuilder.Build(list.Name, list.CniVersion, plugin, cached, rt), Environment("CHECK", rt), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// DEL: runs the plugins in reverse order with the cached result as <c>prevResult</c> (versions from 0.4.0),
    /// then removes the cache entry. A missing or corrupt cache never blocks a DEL: it is dropped and the
    /// plugins run without <c>prevResult</c>. On a plugin failure the entry is kept so DEL can be retried.
    /// </summary>
    /// <exception cref="CniRuntimeException"><c>plugin type="..." failed (delete): ...</c>.</exception>
    public async Task DelNetworkListAsync(NetworkConfigList list, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        var cached = LoadCachedResultForDel(list.Name, list.CniVersion, rt);
        for (var i = list.Plugins.Count - 1; i >= 0; i--)
        {
            var plugin = list.Plugins[i];
            try
            {
                await RunPluginAsync(plugin, RequestBuilder.Build(list.Name, list.CniVersion, plugin, cached, rt), Environment("DEL", rt), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Wrap(plugin, "delete", e);
            }
        }

        DeleteFromCache(list.Name, rt);
    }

    /// <summary>
    /// GC: first DELs every cached attachment of this network that is not in <paramref name="validAttachments"/>
    /// (all of them when it is null), then, for lists of version 1.1.0 and later, sends GC to every plugin with
    /// the valid list. Goes on after errors and reports them all at the end.
    /// </summary>
    /// <param name="list">The network.</param>
    /// <param name="validAttachments">The attachments to keep; null means none is known to be valid and no list is sent.</param>
    /// <param name="cancellationToken">Cancels (and kills) the running plugin.</param>
    /// <exception cref="CniRuntimeException">Every failure, one per line (see <see cref="CniRuntimeException.Errors"/>).</exception>
    public async Task GcNetworkListAsync(NetworkConfigList list, IReadOnlyCollection<GcAttachment>? validAttachments, CancellationToken cancellationToken = default)
    {
        if (list.DisableGc)
        {
            _logger.LogDebug("network {Network} sets disableGC: GC skipped", list.Name);
            return;
        }

        var valid = validAttachments?.ToHashSet() ?? [];
        var errors = new List<Exception>();
        foreach (var attachment in Cache(null).ListAttachments(containerId: null))
        {
            if (attachment.Network != list.Name || valid.Contains(new GcAttachment(attachment.ContainerId, attachment.IfName)))
            {
                continue;
            }

            var rt = new RuntimeConf
            {
                ContainerId = attachment.ContainerId,
                NetNs = attachment.NetNs,
                IfName = attachment.IfName,
                Args = attachment.CniArgs,
                CapabilityArgs = attachment.CapabilityArgs,
            };
            try
            {
                _logger.LogDebug("GC deletes stale attachment {ContainerId}/{IfName} of {Network}", rt.ContainerId, rt.IfName, list.Name);
                await DelNetworkListAsync(list, rt, cancellationToken).ConfigureAwait(false);
            }
            catch (CniRuntimeException e)
            {
                errors.Add(new CniRuntimeException($"failed to delete stale attachment {rt.ContainerId} {rt.IfName}: {e.Message}", e));
            }
        }

        if (AtLeast(list.CniVersion, "1.1.0"))
        {
            foreach (var plugin in list.Plugins)
            {
                try
                {
                    await RunPluginAsync(plugin, RequestBuilder.BuildGc(list.Name, list.CniVersion, plugin, validAttachments), Environment("GC"), cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    errors.Add(new CniRuntimeException($"failed to GC plugin {plugin.Type}: {GoText.ErrorText(e)}", e));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new CniRuntimeException(errors);
        }
    }

    /// <summary>
    /// STATUS: asks every plugin in order whether it is ready for ADD (lists of version 1.1.0 and later; older
    /// ones succeed without a call). The first failure is returned as is, so its code (50, 51) can be read.
    /// </summary>
    /// <exception cref="CniException">The first plugin's error.</exception>
    /// <exception cref="CniRuntimeException">A plugin cannot be found or run.</exception>
    public async Task GetStatusNetworkListAsync(NetworkConfigList list, CancellationToken cancellationToken = default)
    {
        if (!AtLeast(list.CniVersion, "1.1.0"))
        {
            return;
        }

        foreach (var plugin in list.Plugins)
        {
            await RunPluginAsync(plugin, RequestBuilder.BuildStatus(list.Name, list.CniVersion, plugin), Environment("STATUS"), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks that every plugin exists and supports the list's version (asking each with VERSION).
    /// </summary>
    /// <returns>The capability names enabled by any plugin, without duplicates.</returns>
    /// <exception cref="CniRuntimeException">All problems found, as Go prints a list: <c>[err1 err2]</c>.</exception>
    public async Task<IReadOnlyList<string>> ValidateNetworkListAsync(NetworkConfigList list, CancellationToken cancellationToken = default)
    {
        var errors = new List<Exception>();
        var capabilities = new List<string>();
        foreach (var plugin in list.Plugins)
        {
            try
            {
                await ValidatePluginAsync(plugin.Type, list.CniVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CniRuntimeException or CniException or TimeoutException)
            {
                errors.Add(e);
            }

            capabilities.AddRange(plugin.Capabilities.Where(c => c.Value).Select(c => c.Key).Where(c => !capabilities.Contains(c)));
        }

        if (errors.Count > 0)
        {
            throw new CniRuntimeException(errors, $"[{string.Join(" ", errors.Select(GoText.ErrorText))}]");
        }

        return capabilities;
    }

    /// <summary>
    /// Asks a plugin which spec versions it supports (VERSION with dummy netns/ifname/path, as Go does). A
    /// plugin that does not know VERSION is taken to support only 0.1.0.
    /// </summary>
    /// <exception cref="CniRuntimeException">Not found, or its answer cannot be decoded.</exception>
    /// <exception cref="CniException">The plugin failed.</exception>
    public async Task<VersionInfo> GetVersionInfoAsync(string pluginType, CancellationToken cancellationToken = default)
    {
        var path = _executor.FindInPath(pluginType, PluginPaths);
        byte[] stdout;
        try
        {
            var request = Encoding.UTF8.GetBytes($$"""{"cniVersion":"{{SpecVersions.Current}}"}""");
            var environment = TraceContext.Apply(new PluginEnvironment { Command = "VERSION", NetNs = "dummy", IfName = "dummy", Path = "dummy" }, System.Diagnostics.Activity.Current);
            stdout = await _executor.ExecutePluginAsync(path, request, environment, cancellationToken).ConfigureAwait(false);
        }
        catch (CniException e) when (GoText.ErrorText(e) == "unknown CNI_COMMAND: VERSION")
        {
            return new VersionInfo { CniVersion = "0.1.0", SupportedVersions = ["0.1.0"] };
        }

        return DecodeVersionInfo(stdout);
    }

    /// <summary>The cached ADD result of this list and container, converted to the list's version; null when none.</summary>
    /// <exception cref="CniRuntimeException">The cache entry is corrupt or cannot be converted.</exception>
    public ICniResult? GetNetworkListCachedResult(NetworkConfigList list, RuntimeConf rt) => Cache(rt).LoadResult(list.Name, list.CniVersion, rt);

    /// <summary>The configuration and arguments the cached ADD used; null when there is no cache entry.</summary>
    /// <exception cref="CniRuntimeException">The entry is not valid JSON or not of kind <c>cniCacheV1</c>.</exception>
    public CachedConfig? GetNetworkListCachedConfig(NetworkConfigList list, RuntimeConf rt) =>
        Cache(rt).LoadConfig(list.Name, rt) is { } cached ? new CachedConfig(cached.Config, cached.Rt) : null;

    /// <summary>
    /// The attachments in the cache, sorted by file name, of one container or (null/empty) of all. Entries that
    /// cannot be read are skipped.
    /// </summary>
    public IReadOnlyList<NetworkAttachment> GetCachedAttachments(string? containerId = null) => Cache(null).ListAttachments(containerId);

    /// <summary>
    /// ADD of a single network configuration (Go <c>AddNetwork</c>): runs its plugin with the configuration's own
    /// <c>name</c> and <c>cniVersion</c> and caches the result with the configuration's bytes.
    /// </summary>
    /// <exception cref="CniException">The plugin's error, unwrapped.</exception>
    /// <exception cref="CniRuntimeException">The plugin cannot be found, an identifier is invalid, or the cache cannot be written.</exception>
    public async Task<ICniResult> AddNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        var result = await AddPluginAsync(net.Name ?? "", net.CniVersion ?? "", net, null, rt, cancellationToken).ConfigureAwait(false);
        SaveToCache(result, net.Bytes, net.Name ?? "", rt);
        return result;
    }

    /// <summary>CHECK of a single network configuration (Go <c>CheckNetwork</c>) with its cached result as <c>prevResult</c>.</summary>
    /// <exception cref="CheckNotSupportedException">The configuration's version is below 0.4.0.</exception>
    /// <exception cref="CniException">The plugin's error, unwrapped.</exception>
    public async Task CheckNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        var version = net.CniVersion ?? "";
        if (!AtLeast(version, "0.4.0"))
        {
            throw new CheckNotSupportedException(version);
        }

        var cached = LoadCachedResultForCheck(net.Name ?? "", version, rt);
        await RunPluginAsync(net, RequestBuilder.Build(net.Name ?? "", version, net, cached, rt), Environment("CHECK", rt), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// DEL of a single network configuration (Go <c>DelNetwork</c>): the cached result as <c>prevResult</c> from
    /// 0.4.0 (an unusable cache entry is dropped), then the cache entry is removed. Kept when the plugin fails.
    /// </summary>
    /// <exception cref="CniException">The plugin's error, unwrapped.</exception>
    public async Task DelNetworkAsync(PluginConfig net, RuntimeConf rt, CancellationToken cancellationToken = default)
    {
        var name = net.Name ?? "";
        var version = net.CniVersion ?? "";
        var cached = LoadCachedResultForDel(name, version, rt);
        await RunPluginAsync(net, RequestBuilder.Build(name, version, net, cached, rt), Environment("DEL", rt), cancellationToken).ConfigureAwait(false);
        DeleteFromCache(name, rt);
    }

    /// <summary>
    /// GC of a single network configuration: as <see cref="GcNetworkListAsync"/> on the one-plugin list Go's
    /// <c>ConfListFromConf</c> makes of it.
    /// </summary>
    public Task GcNetworkAsync(PluginConfig net, IReadOnlyCollection<GcAttachment>? validAttachments, CancellationToken cancellationToken = default) =>
        GcNetworkListAsync(ConfigLoader.FromSinglePlugin(net), validAttachments, cancellationToken);

    /// <summary>STATUS of a single network configuration, as <see cref="GetStatusNetworkListAsync"/> on its one-plugin list.</summary>
    public Task GetStatusNetworkAsync(PluginConfig net, CancellationToken cancellationToken = default) =>
        GetStatusNetworkListAsync(ConfigLoader.FromSinglePlugin(net), cancellationToken);

    /// <summary>
    /// Checks that the plugin exists and supports the configuration's version (Go <c>ValidateNetwork</c>).
    /// </summary>
    /// <returns>The capabilities the configuration enables.</returns>
    /// <exception cref="CniRuntimeException">Not found, or the version is not supported.</exception>
    /// <exception cref="CniException">The plugin failed to answer VERSION.</exception>
    public async Task<IReadOnlyList<string>> ValidateNetworkAsync(PluginConfig net, CancellationToken cancellationToken = default)
    {
        await ValidatePluginAsync(net.Type, net.CniVersion ?? "", cancellationToken).ConfigureAwait(false);
        return net.Capabilities.Where(c => c.Value).Select(c => c.Key).ToList();
    }

    /// <summary>The cached ADD result of a single network configuration, in its version; null when none (Go <c>GetNetworkCachedResult</c>).</summary>
    /// <exception cref="CniRuntimeException">The cache entry is corrupt or cannot be converted.</exception>
    public ICniResult? GetNetworkCachedResult(PluginConfig net, RuntimeConf rt) => Cache(rt).LoadResult(net.Name ?? "", net.CniVersion ?? "", rt);

    /// <summary>The configuration and arguments a single network's cached ADD used; null when none (Go <c>GetNetworkCachedConfig</c>).</summary>
    /// <exception cref="CniRuntimeException">The entry is not valid JSON or not of kind <c>cniCacheV1</c>.</exception>
    public CachedConfig? GetNetworkCachedConfig(PluginConfig net, RuntimeConf rt) =>
        Cache(rt).LoadConfig(net.Name ?? "", rt) is { } cached ? new CachedConfig(cached.Config, cached.Rt) : null;

    internal static VersionInfo DecodeVersionInfo(byte[] stdout)
    {
        VersionInfo? info;
        try
        {
            info = SpecJson.ReadVersionInfo(JsonFields.Parse(stdout, "decoding version info"));
        }
        catch (CniException e)
        {
            throw new CniRuntimeException(e.Message, e);
        }

        using (var document = JsonDocument.Parse(stdout))
        {
            if (!document.RootElement.TryGetProperty("cniVersion", out var version) || version.GetString() is not { Length: > 0 })
            {
                throw new CniRuntimeException("decoding version info: missing field cniVersion");
            }
        }

        if (info!.SupportedVersions is not { Count: > 0 })
        {
            return info.CniVersion == "0.2.0"
                ? new VersionInfo { CniVersion = "0.2.0", SupportedVersions = ["0.1.0", "0.2.0"] }
                : throw new CniRuntimeException("decoding version info: missing field supportedVersions");
        }

        return info;
    }

    private async Task<ICniResult> AddPluginAsync(string name, string cniVersion, PluginConfig plugin, ICniResult? prevResult, RuntimeConf rt, CancellationToken cancellationToken)
    {
        var path = _executor.FindInPath(plugin.Type, PluginPaths);
        Identifiers.ValidateContainerId(rt.ContainerId);
        Identifiers.ValidateNetworkName(name);
        Identifiers.ValidateInterfaceName(rt.IfName);

        var stdin = RequestBuilder.Build(name, cniVersion, plugin, prevResult, rt);
        var stdout = await ExecuteAsync(path, plugin, stdin, Environment("ADD", rt), cancellationToken).ConfigureAwait(false);

        // A result without cniVersion is read as the config's version (Go's compromise for old plugins).
        var text = Encoding.UTF8.GetString(stdout).Trim();
        return CniJson.ParseResult(text == "null" ? "{}"u8 : stdout, cniVersion);
    }

    private async Task RunPluginAsync(PluginConfig plugin, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken)
    {
        var path = _executor.FindInPath(plugin.Type, PluginPaths);
        await ExecuteAsync(path, plugin, stdin, environment, cancellationToken).ConfigureAwait(false);
    }

    private Task<byte[]> ExecuteAsync(string path, PluginConfig plugin, byte[] stdin, PluginEnvironment environment, CancellationToken cancellationToken)
    {
        _logger.LogDebug("{Command} {Plugin} ({Path}) for {ContainerId}/{IfName}", environment.Command, plugin.Type, path, environment.ContainerId, environment.IfName);
        return _executor.ExecutePluginAsync(path, stdin, environment, cancellationToken);
    }

    private async Task ValidatePluginAsync(string pluginType, string cniVersion, CancellationToken cancellationToken)
    {
        var expected = cniVersion.Length == 0 ? "0.1.0" : cniVersion;
        var info = await GetVersionInfoAsync(pluginType, cancellationToken).ConfigureAwait(false);
        if (!(info.SupportedVersions ?? []).Contains(expected))
        {
            throw new CniRuntimeException($"plugin {pluginType} does not support config version {GoText.Quote(expected)}");
        }
    }

    private ICniResult? LoadCachedResultForCheck(string name, string cniVersion, RuntimeConf rt)
    {
        try
        {
            return Cache(rt).LoadResult(name, cniVersion, rt);
        }
        catch (CniRuntimeException e)
        {
            throw new CniRuntimeException($"failed to get network {GoText.Quote(name)} cached result: {e.Message}", e);
        }
    }

    /// <summary>DEL's prevResult: the cached result from 0.4.0; an unusable entry is dropped, never blocking the DEL.</summary>
    private ICniResult? LoadCachedResultForDel(string name, string cniVersion, RuntimeConf rt)
    {
        if (!AtLeast(cniVersion, "0.4.0"))
        {
            return null;
        }

        try
        {
            return Cache(rt).LoadResult(name, cniVersion, rt);
        }
        catch (CniRuntimeException e)
        {
            _logger.LogWarning("dropping unusable cached result of {Network} for {ContainerId}/{IfName}: {Error}", name, rt.ContainerId, rt.IfName, e.Message);
            DeleteFromCache(name, rt);
            return null;
        }
    }

    private void SaveToCache(ICniResult result, byte[] config, string name, RuntimeConf rt)
    {
        try
        {
            Cache(rt).Save(result, config, name, rt);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CniRuntimeException)
        {
            throw new CniRuntimeException($"failed to set network {GoText.Quote(name)} cached result: {e.Message}", e);
        }
    }

    private void DeleteFromCache(string name, RuntimeConf rt)
    {
        try
        {
            Cache(rt).Delete(name, rt);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("cannot remove cached result of {Network} for {ContainerId}/{IfName}: {Error}", name, rt.ContainerId, rt.IfName, e.Message);
        }
    }

    /// <summary>The cache of one call: the runtime's directory, else the call's deprecated CacheDir, else the default.</summary>
    private ResultCache Cache(RuntimeConf? rt)
    {
#pragma warning disable CS0618 // RuntimeConf.CacheDir is deprecated, and still honoured as Go does.
        var directory = _configuredCacheDirectory ?? (string.IsNullOrEmpty(rt?.CacheDir) ? DefaultCacheDirectory : rt.CacheDir);
#pragma warning restore CS0618
        return new ResultCache(directory, _cacheFiles);
    }

    /// <summary>One call's variables, with the trace context of the caller's current Activity.</summary>
    private PluginEnvironment Environment(string command, RuntimeConf? rt = null) => TraceContext.Apply(new()
    {
        Command = command,
        ContainerId = rt?.ContainerId ?? "",
        NetNs = rt?.NetNs ?? "",
        IfName = rt?.IfName ?? "",
        Args = rt?.ArgsText ?? "",
        Path = string.Join(':', PluginPaths),
    }, System.Diagnostics.Activity.Current);

    private static bool AtLeast(string version, string minimum)
    {
        try
        {
            return SpecVersions.AtLeast(version, minimum);
        }
        catch (FormatException e)
        {
            throw new CniRuntimeException(e.Message, e);
        }
    }

    private static CniRuntimeException Wrap(PluginConfig plugin, string operation, Exception error) =>
        new($"plugin {plugin.Description} failed ({operation}): {GoText.ErrorText(error)}", error);
}
