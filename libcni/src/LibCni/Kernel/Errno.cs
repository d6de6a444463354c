namespace LibCni.Kernel;

/// <summary>The errno values callers match on (see <see cref="Interop.ErrnoException.Errno"/>).</summary>
public static class Errno
{
    public const int ENOENT = Interop.Libc.ENOENT;
    public const int ESRCH = Interop.Libc.ESRCH;
    public const int EEXIST = Interop.Libc.EEXIST;
    public const int ENODEV = Interop.Libc.ENODEV;
    public const int EINVAL = Interop.Libc.EINVAL;
    public const int EBUSY = Interop.Libc.EBUSY;
    public const int EOPNOTSUPP = Interop.Libc.EOPNOTSUPP;
    public const int EADDRNOTAVAIL = Interop.Libc.EADDRNOTAVAIL;
}
