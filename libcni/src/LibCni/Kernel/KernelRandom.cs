using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>
/// Random bytes straight from getrandom(2). RandomNumberGenerator would load OpenSSL (libssl, libcrypto,
/// openssl.cnf) at every plugin start for the four bytes of a veth name.
/// </summary>
public static class KernelRandom
{
    public static unsafe void Fill(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = Libc.GetRandom(start + done, (nuint)(buffer.Length - done), 0);
                if (n < 0)
                {
                    var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    throw new ErrnoException(errno, "getrandom");
                }

                done += (int)n;
            }
        }
    }

    /// <summary><paramref name="count"/> random bytes as lowercase hex.</summary>
    public static string Hex(int count)
    {
        Span<byte> bytes = stackalloc byte[count];
        Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
