using System.Diagnostics;

namespace CniPlugins.Installer;

/// <summary>
/// Puts a file in place so that readers see either the old file or the complete new one, never a partial write.
/// The bytes go to a temp file in the destination directory (same filesystem, so rename is atomic), are fsynced,
/// get their mode, and are renamed over the target. The target inode is never opened for writing, so a plugin
/// being exec'd meanwhile keeps running from its old inode and nobody sees ETXTBSY.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of our temp files; leftovers from a killed run are removed by <see cref="RemoveStaleTempFiles"/>.</summary>
    public const string TempPrefix = ".cni-installer-";

    /// <summary>Copies <paramref name="sourcePath"/> to <paramref name="destinationPath"/>.</summary>
    /// <returns>False when <paramref name="overwrite"/> is false and the target exists (nothing written), else true.</returns>
    public static bool Copy(string sourcePath, string destinationPath, UnixFileMode mode, bool overwrite)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        // Unique without a random source (no /dev/urandom needed): two installer pods may both be PID 1, but their
        // host names (pod names) differ; CreateNew below fails rather than share a temp file in any case.
        var temp = Path.Combine(directory,
            $"{TempPrefix}{Path.GetFileName(destinationPath)}.{Environment.MachineName}.{Environment.ProcessId}.{Stopwatch.GetTimestamp()}");
        try
        {
            using (var input = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read))
            using (var output = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                // No checksum here on purpose: .NET hashes through OpenSSL, which the FROM-scratch image does not carry.
                input.CopyTo(output);
                output.Flush(flushToDisk: true);
            }

            // Explicit chmod: the process umask must not decide whether the kubelet can exec the plugin.
            File.SetUnixFileMode(temp, mode);
            if (overwrite)
            {
                File.Move(temp, destinationPath, overwrite: true);
            }
            else
            {
                // Without overwrite .NET links then unlinks, which fails when the target exists: no check-then-act race.
                try
                {
                    File.Move(temp, destinationPath, overwrite: false);
                }
                catch (IOException) when (File.Exists(destinationPath))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            File.Delete(temp);
        }
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
