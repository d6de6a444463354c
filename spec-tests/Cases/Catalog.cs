using SpecTests.Kit;
using SpecTests.Profiles;
using Xunit;

namespace SpecTests.Cases;

/// <summary>Every case of the kit, and the rows they expand to for the plugins found in the directory.</summary>
public static class Catalog
{
    public static readonly IReadOnlyList<SpecCase> Cases =
    [
        .. EnvironmentCases.All,
        .. ResultCases.All,
        .. LifecycleCases.All,
    ];

    private static readonly Lazy<Dictionary<string, SpecRow>> RowsByKey = new(() =>
        SpecSettings.KnownPlugins.Where(SpecSettings.IsPresent).SelectMany(RowsFor).ToDictionary(r => r.Key));

    /// <summary>Rows for one plugin: every case at every version it applies to.</summary>
    public static IEnumerable<SpecRow> RowsFor(string plugin)
    {
        var profile = PluginProfile.All[plugin];
        var claimed = ClaimedVersions.Of(plugin);
        return Cases.SelectMany(c => c.Versions(profile, claimed).Select(v => new SpecRow(c, plugin, v)));
    }

    public static SpecRow Find(string key) => RowsByKey.Value[key];

    /// <summary>xunit theory data for one plugin (row keys).</summary>
    public static TheoryData<string> For(string plugin)
    {
        var data = new TheoryData<string>();
        if (SpecSettings.IsPresent(plugin))
        {
            foreach (var row in RowsFor(plugin))
            {
                data.Add(row.Key);
            }
        }

        return data;
    }
}
