using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int ENOTDIR = 20;
    internal const int EINVAL = 22;
    internal const int ENOSPC = 28;
    internal const int ERANGE = 34;
    internal const int EOPNOTSUPP = 95;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ENOBUFS = 105;

    /// <summary>Throws an <see cref="ErrnoException"/> for the last P/Invoke when <paramref name="result"/> is negative.</summary>
    internal static long Check(long result, string operation)
    {
        if (result < 0)
        {
            throw new ErrnoException(Marshal.GetLastPInvokeError(), operation);
        }

        return result;
    }
}

/// <summary>A failed system call with its errno and what was being done.</summary>
public class ErrnoException : IOException
{
    public ErrnoException(int errno, string operation, string? detail = null)
        : base(Describe(errno, operation, detail))
    {
        Errno = errno;
        Operation = operation;
    }

    public int Errno { get; }

    public string Operation { get; }

    public static string ErrnoText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static string Describe(int errno, string operation, string? detail) =>
        detail is null or "" ? $"{operation}: {ErrnoText(errno)}" : $"{operation}: {ErrnoText(errno)}: {detail}";
}
