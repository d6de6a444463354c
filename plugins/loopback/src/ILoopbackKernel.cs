using LibCni.Types;

namespace CniPlugins.Loopback;

/// <summary>What the loopback plugin needs from the kernel, so its decisions are testable without root.</summary>
public interface ILoopbackKernel
{
    /// <summary>Brings <c>lo</c> up in the netns and returns its state afterwards.</summary>
    LoopbackState BringUp(string netns);

    /// <summary>Brings <c>lo</c> down; throws <see cref="LibCni.Kernel.NetnsNotFoundException"/> when the netns is gone.</summary>
    void BringDown(string netns);

    LoopbackState Inspect(string netns);
}

/// <summary><c>lo</c> as seen in a netns: whether it is up, its addresses, and whether IPv6 is on there.</summary>
public sealed record LoopbackState(bool Up, IReadOnlyList<CidrAddress> Addresses, bool Ipv6Enabled);
