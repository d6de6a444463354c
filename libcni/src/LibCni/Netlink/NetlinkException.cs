using LibCni.Interop;

namespace LibCni.Netlink;

/// <summary>
/// The kernel refused a netlink request: errno plus the extended-ack text the kernel gave, if any.
/// Reads like "RTM_NEWLINK veth1a2b: File exists (kernel: ...)".
/// </summary>
public sealed class NetlinkException : ErrnoException
{
    public NetlinkException(int errno, string operation, string? kernelMessage)
        : base(errno, operation, kernelMessage is null or "" ? null : $"kernel says \"{kernelMessage}\"")
    {
        KernelMessage = kernelMessage;
    }

    public string? KernelMessage { get; }
}
