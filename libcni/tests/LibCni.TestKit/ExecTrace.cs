using System.Text.RegularExpressions;

namespace LibCni.TestKit;

/// <summary>Runs a program under <c>strace -f -e trace=execve</c> to see which programs it starts.</summary>
public static partial class ExecTrace
{
    /// <summary>
    /// Runs <paramref name="program"/> (inside <paramref name="netns"/> when given) with only
    /// <paramref name="environment"/>, and returns its result and the program of every successful execve
    /// in order: the program itself first, then whatever it started.
    /// </summary>
    public static (ProcessResult Result, IReadOnlyList<string> Programs) Run(string? netns, string program, string stdin, IDictionary<string, string> environment)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"cni-exec-trace-{Guid.NewGuid():N}");
        try
        {
            string[] traced = ["strace", "-f", "-qq", "-e", "trace=execve,execveat", "-o", trace, program];
            var result = netns is null
                ? Shell.Exec(traced[0], traced[1..], stdin, environment, clearEnvironment: true)
                : Shell.Exec("ip", ["netns", "exec", netns, .. traced], stdin, environment, clearEnvironment: true);
            var programs = File.ReadAllLines(trace)
                .Where(line => line.EndsWith("= 0", StringComparison.Ordinal))
                .Select(line => ExecvePath().Match(line))
                .Where(match => match.Success)
                .Select(match => match.Groups[1].Value)
                .ToList();
            return (result, programs);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [GeneratedRegex("execve(?:at)?\\((?:\\d+, )?\"([^\"]+)\"")]
    private static partial Regex ExecvePath();
}
