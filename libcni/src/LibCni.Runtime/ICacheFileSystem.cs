namespace LibCni.Runtime;

/// <summary>
/// The file operations the result cache needs. <see cref="DiskCacheFileSystem"/> is the real one; tests use
/// an in-memory one.
/// </summary>
public interface ICacheFileSystem
{
    /// <summary>The file's bytes, or null when it does not exist or cannot be read.</summary>
    byte[]? ReadFile(string path);

    /// <summary>Replaces the file atomically (temporary file, then rename), creating its directory.</summary>
    void WriteFile(string path, byte[] contents);

    /// <summary>Removes the file; a missing file is not an error.</summary>
    void DeleteFile(string path);

    /// <summary>The names (not paths) of the files in a directory; empty when it does not exist.</summary>
    IReadOnlyList<string> ListFileNames(string directory);
}

/// <summary>The cache on disk: directories 0700, files 0600, as Go libcni creates them.</summary>
public sealed class DiskCacheFileSystem : ICacheFileSystem
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode CacheFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The one instance; it has no state.</summary>
    public static DiskCacheFileSystem Instance { get; } = new();

    /// <inheritdoc/>
    public byte[]? ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public void WriteFile(string path, byte[] contents)
    {
        var directory = Path.GetDirectoryName(path) ?? ".";
        Directory.CreateDirectory(directory, DirectoryMode);
        LibCni.Kernel.AtomicFile.Replace(path, contents, CacheFileMode, $".{Path.GetFileName(path)}.tmp-");
    }

    /// <inheritdoc/>
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFileNames(string directory)
    {
        try
        {
            return Directory.EnumerateFiles(directory).Select(f => Path.GetFileName(f)).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
