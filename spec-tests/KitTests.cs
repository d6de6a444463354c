using SpecTests.Cases;
using SpecTests.Kit;
using Xunit;

namespace SpecTests;

/// <summary>The kit's own bookkeeping: the directory holds something to judge, and the known-differences list is true.</summary>
[Trait("Tier", "Spec")]
public class KitTests
{
    [Fact]
    public void Plugin_directory_holds_at_least_one_known_plugin() =>
        Assert.True(SpecSettings.KnownPlugins.Any(SpecSettings.IsPresent),
            $"none of {string.Join(", ", SpecSettings.KnownPlugins)} is in {SpecSettings.PluginDir} (CNI_SPEC_PLUGIN_DIR)");

    [Fact]
    public void Implementation_label_is_known() =>
        Assert.Contains(SpecSettings.Implementation, new[] { "ours", "reference" });

    [Fact]
    public void Every_known_difference_names_a_row_this_run_executes()
    {
        var rows = SpecSettings.KnownPlugins.Where(SpecSettings.IsPresent).SelectMany(Catalog.RowsFor).ToList();
        var stale = KnownDifferences.All
            .Where(d => d.Implementation == SpecSettings.Implementation)
            .SelectMany(d => (d.Versions ?? new string?[] { null }).Select(v => (d, v)))
            .Where(x => !rows.Any(r => r.Plugin == x.d.Plugin && r.Case.Id == x.d.Case && (x.v is null || r.Version == x.v)))
            .Select(x => $"{x.d.Plugin}/{x.d.Case}/{x.v ?? "*"}")
            .ToList();
        Assert.True(stale.Count == 0, $"known differences for {SpecSettings.Implementation} that match no case run here: {string.Join(", ", stale)}");
    }

    [Fact]
    public void Known_differences_name_cases_that_exist()
    {
        var ids = Catalog.Cases.Select(c => c.Id).ToHashSet();
        var unknown = KnownDifferences.All.Where(d => !ids.Contains(d.Case)).Select(d => d.Case).ToList();
        Assert.True(unknown.Count == 0, $"known-differences.json names unknown cases: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void A_listed_difference_must_occur_exactly_as_listed()
    {
        var difference = new KnownDifference("reference", "loopback", "add-result", ["0.2.0"], "ip4/ip6", "reason");
        Assert.Equal(Conformance.ExpectedDifference, Conformance.Judge(difference, new InvalidOperationException("has ip4/ip6")).Outcome);
        Assert.Equal(Conformance.Fail, Conformance.Judge(difference, null).Outcome);
        Assert.Equal(Conformance.Fail, Conformance.Judge(difference, new InvalidOperationException("something else")).Outcome);
        Assert.Equal(Conformance.Fail, Conformance.Judge(null, new InvalidOperationException("x")).Outcome);
        Assert.Equal(Conformance.Pass, Conformance.Judge(null, null).Outcome);
    }
}
