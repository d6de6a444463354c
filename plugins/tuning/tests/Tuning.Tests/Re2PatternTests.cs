using CniPlugins.Tuning;
using LibCni.TestKit;
using Xunit;

namespace Tuning.Tests;

/// <summary>The allowlist's matcher against Go's regexp: re2/golden.tsv holds Go's answers (re2/golden.go writes it).</summary>
public class Re2PatternTests
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "re2", "golden.tsv");

    private static string Unescape(string field) =>
        field.Replace("\\\\", "\u0001", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal)
            .Replace("\\n", "\n", StringComparison.Ordinal).Replace("\u0001", "\\", StringComparison.Ordinal);

    [Fact]
    public void Every_pattern_and_text_gets_gos_answer()
    {
        var lines = File.ReadAllLines(GoldenPath);
        Assert.True(lines.Length > 5000, $"{lines.Length} golden lines");
        var disagreements = new List<string>();
        var compiled = new Dictionary<string, Re2Pattern?>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var fields = line.Split('\t');
            var (pattern, text, go) = (Unescape(fields[0]), Unescape(fields[1]), fields[2]);
            if (!compiled.TryGetValue(pattern, out var re))
            {
                try
                {
                    re = Re2Pattern.Parse(pattern);
                }
                catch (FormatException)
                {
                    re = null;
                }

                compiled[pattern] = re;
            }

            var ours = re is null ? "ERR" : re.IsMatch(text) ? "1" : "0";
            if (ours != go)
            {
                disagreements.Add($"`{pattern}` on \"{text}\": Go {go}, ours {ours}");
            }
        }

        // One example per pattern: a wrong parse shows once, not for every text.
        var examples = disagreements.GroupBy(d => d[..d.IndexOf("` on ", StringComparison.Ordinal)]).Select(g => g.First());
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements:\n" + string.Join("\n", examples.Take(60)));
    }

    [Theory]
    [InlineData("a**", "invalid nested repetition operator: `a**`")]
    [InlineData("*a", "missing argument to repetition operator: `*`")]
    [InlineData("(a", "missing closing ): `(a`")]
    [InlineData("[z-a]", "invalid character class range: `z-a`")]
    public void Errors_name_the_fragment_as_go_does(string pattern, string message)
    {
        var e = Assert.Throws<FormatException>(() => Re2Pattern.Parse(pattern));
        Assert.Equal("error parsing regexp: " + message, e.Message);
    }

    [Fact]
    public void Matching_time_is_linear_in_the_text_for_a_pattern_that_makes_backtrackers_explode()
    {
        // (a*)*b on a long run of a's: exponential for a backtracking engine, one pass here.
        Assert.False(Re2Pattern.Parse("((a*)*)*b").IsMatch(new string('a', 20_000)));
    }
}

/// <summary>golden.tsv is what Go says today: re-run the generator with the Go toolchain (a prerequisite) and compare.</summary>
[Trait("Tier", "Binary")]
public class Re2GoldenFreshnessTests
{
    [Fact]
    public void The_committed_golden_file_is_what_go_writes()
    {
        var dir = Path.Combine(Repo.Root, "plugins", "tuning", "tests", "Tuning.Tests", "re2");
        var cache = Directory.CreateTempSubdirectory("cni-gocache").FullName;
        try
        {
            var output = Shell.Run("go", ["run", Path.Combine(dir, "golden.go")], null,
                new Dictionary<string, string> { ["GOCACHE"] = cache, ["HOME"] = cache, ["GO111MODULE"] = "off" }).Stdout;
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "golden.tsv")), output);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}
