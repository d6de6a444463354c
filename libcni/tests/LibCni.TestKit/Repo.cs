namespace LibCni.TestKit;

/// <summary>Where the repository and the published binaries are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>CNI_BIN_DIR</c> if set, else <c>dist/bin</c> of this checkout.</summary>
    public static string BinDir => Environment.GetEnvironmentVariable("CNI_BIN_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Root, "dist", "bin");

    /// <summary>The path of a published binary; fails the test when it was not built.</summary>
    public static string Binary(string name)
    {
        var path = Path.Combine(BinDir, name);
        if (!File.Exists(path))
        {
            Xunit.Assert.Fail($"{path} does not exist: run `make build` first");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CniPlugins.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find CniPlugins.sln above " + AppContext.BaseDirectory);
    }
}
