using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    /// <summary>link(2): a second name for an existing file; fails with EEXIST when the new name is taken, which makes it an atomic create.</summary>
    [LibraryImport(Name, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existingPath, string newPath);
}
