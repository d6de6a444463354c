using System.Globalization;
using Xunit;

namespace Reliability.Tests;

/// <summary>Sizes from the environment (`scripts/soak` raises them) and the seed every random test prints.</summary>
public static class Settings
{
    public static int Int(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary><c>CNI_TEST_SEED</c> when set (to replay a failure), else a fresh one.</summary>
    public static int Seed() => Int("CNI_TEST_SEED", Random.Shared.Next(1, int.MaxValue));
}

/// <summary>These tests load the whole machine; running them one at a time keeps the soak's latency meaningful.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "reliability";
}
