namespace CniPlugins.Installer;

/// <summary>
/// Puts a file in place so that readers see either the old file or the complete new one, never a partial write
/// (libcni's <see cref="LibCni.Kernel.AtomicFile"/>), and removes what a killed run left behind.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of our temp files; leftovers from a killed run are removed by <see cref="RemoveStaleTempFiles"/>.</summary>
    public const string TempPrefix = ".cni-installer-";

    /// <summary>Copies <paramref name="sourcePath"/> to <paramref name="destinationPath"/> through libcni's atomic write.</summary>
    /// <returns>False when <paramref name="overwrite"/> is false and the target exists (nothing written), else true.</returns>
    public static bool Copy(string sourcePath, string destinationPath, UnixFileMode mode, bool overwrite)
    {
        // No checksum here on purpose: .NET hashes through OpenSSL, which the FROM-scratch image does not carry.
        using var input = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        var prefix = TempPrefix + Path.GetFileName(destinationPath) + ".";
        if (!overwrite)
        {
            // link(2): fails when the target exists, so there is no check-then-act race.
            return LibCni.Kernel.AtomicFile.TryCreate(destinationPath, input.CopyTo, mode, prefix);
        }

        LibCni.Kernel.AtomicFile.Replace(destinationPath, input.CopyTo, mode, prefix);
        return true;
    }

    /// <summary>
    /// Deletes temp files a killed installer left in <paramref name="directory"/>. Only old ones: during a rolling
    /// update with surge, another installer may be writing its own temp files right now.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTempFiles(string directory, TimeSpan olderThan)
    {
        var removed = new List<string>();
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var path in Directory.EnumerateFiles(directory, TempPrefix + "*"))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff)
            {
                File.Delete(path);
                removed.Add(path);
            }
        }

        return removed;
    }
}
