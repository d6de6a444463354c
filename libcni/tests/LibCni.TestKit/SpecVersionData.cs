using Xunit;

namespace LibCni.TestKit;

/// <summary>Theory data over every spec version, and predicates for what each allows.</summary>
public static class SpecVersionData
{
    public static TheoryData<string> All => new(SpecVersions.All);

    public static bool HasCheck(string version) => SpecVersions.AtLeast(version, "0.4.0");

    public static bool HasGcAndStatus(string version) => SpecVersions.AtLeast(version, "1.1.0");
}
