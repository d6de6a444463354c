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
                var at = (nint)(start + done);
                var length = (nuint)(buffer.Length - done);
                var n = Libc.Check(Libc.RetryOnEintr(() => Libc.GetRandom((byte*)at, length, 0)), "getrandom");
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
