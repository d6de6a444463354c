namespace LibCni.TestKit;

/// <summary>A fresh directory under /tmp (short enough for a unix socket path), removed on dispose.</summary>
public sealed class TempDir(string prefix = "cnitest-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> to a file below the directory, making its parents; returns its path.</summary>
    public string Write(string relative, string content)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; /tmp is cleaned anyway.
        }
    }
}
