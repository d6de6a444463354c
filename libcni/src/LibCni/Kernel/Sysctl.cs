namespace LibCni.Kernel;

/// <summary>
/// Reads and writes /proc/sys. Network sysctls belong to the netns of the thread that opens the file, so
/// call these inside <see cref="NetNamespace.Run{T}(string, Func{T})"/> for a container's settings.
/// A sysctl is named by its path components: an interface name may hold dots (<c>eth0.1</c>, <c>br.0</c>),
/// so it is one component and never split on them.
/// </summary>
public static class Sysctl
{
    /// <summary>The /proc/sys path of the components, each one path element (no '/', not "." or "..").</summary>
    public static string PathOf(params string[] components)
    {
        foreach (var component in components)
        {
            if (component.Length == 0 || component.Contains('/') || component is "." or "..")
            {
                throw new ArgumentException($"invalid sysctl path component \"{component}\"", nameof(components));
            }
        }

        return "/proc/sys/" + string.Join('/', components);
    }

    /// <summary>The per-interface key, e.g. <c>Conf("ipv6", "eth0.1", "accept_ra")</c> for net/ipv6/conf/eth0.1/accept_ra.</summary>
    public static string[] Conf(string family, string ifName, string key) => ["net", family, "conf", ifName, key];

    public static string Read(params string[] components) => File.ReadAllText(PathOf(components)).Trim();

    /// <summary>The value as the kernel prints it, less its one trailing newline (what tuning saves and restores).</summary>
    public static string ReadExact(params string[] components)
    {
        var text = File.ReadAllText(PathOf(components));
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>
    /// One write(2) of <paramref name="value"/>, as the kernel wants it. A missing key is an error
    /// (<see cref="FileNotFoundException"/>), never a new file.
    /// </summary>
    public static void Write(string value, params string[] components)
    {
        using var file = File.OpenHandle(PathOf(components), FileMode.Open, FileAccess.Write);
        RandomAccess.Write(file, System.Text.Encoding.UTF8.GetBytes(value), 0);
    }

    /// <summary>Writes only when the value differs, as the reference does for ip_forward.</summary>
    public static void Ensure(string value, params string[] components)
    {
        if (Read(components) != value)
        {
            Write(value, components);
        }
    }
}
