using LibCni.Interop;

namespace LibCni.Kernel;

/// <summary>Who this process runs as (for a D-Bus SASL EXTERNAL handshake, say).</summary>
public static class ProcessCredentials
{
    public static uint UserId => Libc.GetUid();
}
