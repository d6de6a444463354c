using LibCni.TestKit;
using SpecTests.Cases;
using SpecTests.Profiles;

namespace SpecTests.Kit;

/// <summary>Runs one row and judges it against the spec and, for this implementation, the known differences.</summary>
public static class Conformance
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string ExpectedDifference = "expected-difference";

    public static void Run(string key)
    {
        // Outside the try: refusing to run is never an "expected difference".
        PrivateHost.Require();
        var row = Catalog.Find(key);
        var profile = PluginProfile.All[row.Plugin];
        var version = row.Version ?? ClaimedVersions.Newest(row.Plugin);

        Exception? failure = null;
        try
        {
            using var ctx = new CaseContext(profile, version);
            row.Case.Body(ctx);
        }
        catch (Exception e)
        {
            failure = e;
        }

        var (outcome, message) = Judge(KnownDifferences.Find(SpecSettings.Implementation, row.Plugin, row.Case.Id, row.Version), failure);
        ResultLog.Write(row.Case.Section, row.Case.Id, row.Case.Title, row.Plugin, row.Version, outcome, message);
        if (outcome == Fail)
        {
            throw new Xunit.Sdk.XunitException($"{key}: {row.Case.Title}\n{message}", failure);
        }
    }

    /// <summary>A listed difference must happen exactly as listed; anything unlisted must pass.</summary>
    public static (string Outcome, string? Message) Judge(KnownDifference? difference, Exception? failure) => (difference, failure) switch
    {
        (null, null) => (Pass, null),
        (null, { } e) => (Fail, e.Message),
        ({ } d, null) => (Fail, $"listed known difference did not occur (remove it from known-differences.json): {d.Reason}"),
        ({ } d, { } e) when !e.Message.Contains(d.Observed, StringComparison.Ordinal) =>
            (Fail, $"failed differently from the listed known difference (expected a message containing \"{d.Observed}\"): {e.Message}"),
        ({ } d, _) => (ExpectedDifference, d.Reason),
    };
}
