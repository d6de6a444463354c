using LibCni.Kernel;

namespace CniPlugins.Tuning;

/// <summary>One JSON file per attachment under dataDir, named and formatted as the reference names and formats it.</summary>
public sealed class DiskStateStore : ITuningStateStore
{
    public void Save(string dataDir, string containerId, string ifName, SavedLinkState state)
    {
        Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Written through a temp file and rename, so a killed plugin never leaves a half-written state.
        AtomicFile.Replace(PathOf(dataDir, containerId, ifName), state.ToJson(), UnixFileMode.UserRead | UnixFileMode.UserWrite, ".tuning-tmp-");
    }

    public SavedLinkState? Load(string dataDir, string containerId, string ifName)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(PathOf(dataDir, containerId, ifName));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return SavedLinkState.FromJson(json);
    }

    public void Delete(string dataDir, string containerId, string ifName) => File.Delete(PathOf(dataDir, containerId, ifName));

    public static string PathOf(string dataDir, string containerId, string ifName) => Path.Combine(dataDir, SavedLinkState.FileName(containerId, ifName));
}
