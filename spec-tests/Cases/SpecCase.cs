using LibCni;
using SpecTests.Kit;
using SpecTests.Profiles;

namespace SpecTests.Cases;

/// <summary>
/// One rule of the spec as a runtime can observe it. <see cref="Versions"/> picks the config versions to
/// check it at from what the plugin claims; null entries mean "once, at the newest claimed version".
/// </summary>
public sealed record SpecCase(string Id, string Section, string Title, Func<PluginProfile, IReadOnlyList<string>, IEnumerable<string?>> Versions, Action<CaseContext> Body)
{
    /// <summary>Once per plugin: the rule does not depend on the config version.</summary>
    public static IEnumerable<string?> Once(PluginProfile profile, IReadOnlyList<string> claimed) => [null];

    public static IEnumerable<string?> EachClaimed(PluginProfile profile, IReadOnlyList<string> claimed) => claimed;

    /// <summary>Each claimed version at or above <paramref name="minimum"/> (when the verb or feature exists).</summary>
    public static Func<PluginProfile, IReadOnlyList<string>, IEnumerable<string?>> From(string minimum, Func<PluginProfile, bool>? when = null) =>
        (profile, claimed) => when is not null && !when(profile) ? [] : claimed.Where(v => SpecVersions.AtLeast(v, minimum));

    /// <summary>Once per plugin, only for plugins the predicate selects.</summary>
    public static Func<PluginProfile, IReadOnlyList<string>, IEnumerable<string?>> OnceIf(Func<PluginProfile, bool> when) =>
        (profile, claimed) => when(profile) ? [null] : [];
}

/// <summary>One test row: a case, a plugin, and the config version (null: version-independent).</summary>
public sealed record SpecRow(SpecCase Case, string Plugin, string? Version)
{
    /// <summary>The row's display name: names the spec section, the rule, the plugin and the version.</summary>
    public string Key => $"§{Case.Section} {Case.Id} [{Plugin}{(Version is null ? "" : " " + Version)}]";
}
