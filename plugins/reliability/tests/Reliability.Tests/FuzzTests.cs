using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Reliability.Tests;

/// <summary>
/// Property-based fuzzing of every published plugin: 10,000 generated configs and environments each
/// (<c>CNI_FUZZ_CASES</c>), four workers, each with its own host netns, container netns and dataDir.
/// Every exec must end in a well-formed success or CNI error; failed ADDs leave nothing behind.
/// Failing inputs are written to corpus/&lt;plugin&gt;/ (commit them) and replayed on every run.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Tier", "Fuzz")]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Workers = 4;

    public static TheoryData<string> Plugins => new(CaseGenerator.Plugins);

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Generated_inputs_end_in_a_result_or_a_cni_error(string plugin)
    {
        var cases = Settings.Int("CNI_FUZZ_CASES", 10_000);
        var seed = Settings.Seed();
        output.WriteLine($"{plugin}: {cases} cases, seed {seed} (CNI_TEST_SEED={seed} CNI_FUZZ_CASES={cases} to replay)");
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, Workers, new ParallelOptions { MaxDegreeOfParallelism = Workers }, worker =>
        {
            using var runner = new FuzzRunner(plugin);
            for (var index = worker; index < cases && failures.Count < 20; index += Workers)
            {
                var fuzzCase = CaseGenerator.Generate(plugin, seed, index);
                if (runner.Run(fuzzCase) is { } violation)
                {
                    var saved = FuzzRunner.Save(fuzzCase, violation);
                    failures.Add($"case {index} [{fuzzCase.Description}] {fuzzCase.Env.GetValueOrDefault("CNI_COMMAND")}: {violation}\n  saved as {saved}");
                }
            }
        });

        output.WriteLine($"{plugin}: {cases} cases in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad outcomes for {plugin} (seed {seed}):\n" + string.Join("\n", failures.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Regression_corpus_replays_cleanly(string plugin)
    {
        var dir = FuzzRunner.CorpusDir(plugin);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        Assert.NotEmpty(files);
        using var runner = new FuzzRunner(plugin);
        var failures = new List<string>();
        foreach (var file in files)
        {
            var fuzzCase = FuzzRunner.Load(file);
            Assert.Equal(plugin, fuzzCase.Plugin);
            if (runner.Run(fuzzCase) is { } violation)
            {
                failures.Add($"{Path.GetFileName(file)} [{fuzzCase.Description}]: {violation}");
            }
        }

        output.WriteLine($"{plugin}: replayed {files.Count} corpus cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
