namespace LibCni.Kernel;

/// <summary>
/// Reads and writes /proc/sys. Network sysctls belong to the netns of the thread that opens the file, so
/// call these inside <see cref="NetNamespace.Run{T}(string, Func{T})"/> for a container's settings.
/// </summary>
public static class Sysctl
{
    public static string PathOf(string name) => "/proc/sys/" + name.Replace('.', '/');

    public static string Read(string name) => File.ReadAllText(PathOf(name)).Trim();

    public static void Write(string name, string value) => File.WriteAllText(PathOf(name), value);

    /// <summary>Writes only when the value differs, as the reference does for ip_forward.</summary>
    public static void Ensure(string name, string value)
    {
        if (Read(name) != value)
        {
            Write(name, value);
        }
    }
}
