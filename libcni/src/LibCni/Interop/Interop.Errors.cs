using System.Runtime.InteropServices;

namespace LibCni.Interop;

internal static partial class Libc
{
    /// <summary>
    /// Calls <paramref name="call"/> again for as long as it fails with EINTR (a signal arrived first), the one
    /// retry loop of the suite. Returns the first result that is not an interrupted failure.
    /// </summary>
    internal static long RetryOnEintr(Func<long> call)
    {
        while (true)
        {
            var result = call();
            if (result >= 0 || Marshal.GetLastPInvokeError() != Kernel.Errno.EINTR)
            {
                return result;
            }
        }
    }

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
