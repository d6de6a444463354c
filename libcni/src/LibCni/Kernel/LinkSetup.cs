using System.Globalization;
using LibCni.Netlink;
using LibCni.Netlink.Route;
using LibCni.Types;
using AddressFamily = LibCni.Netlink.Route.AddressFamily;

namespace LibCni.Kernel;

/// <summary>
/// Link primitives every veth-based plugin needs (the reference's <c>pkg/ip</c> link helpers): a veth pair
/// with a random host-side name, the wait for a port to come up, IPv6 DAD settings and the wait for DAD.
/// </summary>
public static class LinkSetup
{
    private const int VethNameAttempts = 10;

    // The port usually comes up within a millisecond of the container end; poll fast first, then back off.
    // The total wait (about 2.6 s) matches the reference's 0/50/500/1000/1000 ms schedule.
    private static readonly int[] PortUpDelaysMs = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 1000, 600];

    /// <summary>A free-looking host-side veth name: <c>veth</c> and 8 random hex digits.</summary>
    public static string RandomVethName() => "veth" + KernelRandom.Hex(4);

    /// <summary>
    /// Creates <paramref name="ifName"/> in the container (the namespace of <paramref name="container"/>) with its
    /// peer, under a random name, in the namespace of <paramref name="hostNetnsFd"/>. A taken peer name is retried
    /// up to 10 times, as the reference does.
    /// </summary>
    /// <returns>The peer's name.</returns>
    /// <exception cref="CniException"><paramref name="ifName"/> already exists in the container.</exception>
    public static string CreateVethWithRandomPeer(RtnlClient container, string netns, string ifName, int mtu, byte[]? mac, int hostNetnsFd)
    {
        for (var attempt = 1; ; attempt++)
        {
            var peerName = RandomVethName();
            try
            {
                container.CreateVethPair(ifName, peerName, mtu, mac, hostNetnsFd);
                return peerName;
            }
            catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
            {
                if (container.GetLink(ifName) is not null)
                {
                    throw new CniException(CniErrorCode.Internal, $"container veth name (\"{ifName}\") peer provided (\"{peerName}\") already exists",
                        $"CNI_IFNAME=\"{ifName}\" already exists in {netns}");
                }

                if (attempt == VethNameAttempts)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Waits (about 2.6 s at most) until link <paramref name="name"/> is operationally up.</summary>
    /// <param name="rtnl">A socket in the link's namespace.</param>
    /// <param name="name">The link.</param>
    /// <param name="what">What the link is, for the error text (e.g. "bridge port").</param>
    /// <exception cref="CniException">Still not up: names its operational state.</exception>
    public static LinkInfo WaitOperationallyUp(RtnlClient rtnl, string name, string what)
    {
        LinkInfo? link = null;
        foreach (var delay in PortUpDelaysMs)
        {
            Thread.Sleep(delay);
            link = rtnl.GetLink(name) ?? throw new IOException($"host veth {name} vanished");
            if (link.IsOperationallyUp)
            {
                return link;
            }
        }

        throw new CniException(CniErrorCode.Internal, $"{what} in error state: {OperStateName(link!.OperState)}", $"host veth {name}");
    }

    /// <summary>
    /// IPv6 duplicate address detection for <paramref name="ifName"/>, on (enhanced) or off. Run on the thread
    /// that is in the link's namespace; a missing sysctl (IPv6 disabled) is ignored.
    /// </summary>
    public static void ApplyDadSettings(string ifName, bool enableDad)
    {
        if (enableDad)
        {
            TrySysctl("1", Sysctl.Conf("ipv6", ifName, "enhanced_dad"));
            TrySysctl("1", Sysctl.Conf("ipv6", ifName, "accept_dad"));
        }
        else
        {
            TrySysctl("0", Sysctl.Conf("ipv6", ifName, "accept_dad"));
        }
    }

    /// <summary>Waits (5 s at most) until no IPv6 address of the link is tentative.</summary>
    /// <exception cref="CniException">DAD failed, or addresses are still tentative after 5 s.</exception>
    public static void WaitForDad(RtnlClient rtnl, int index, string ifName)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var v6 = rtnl.ListAddresses(AddressFamily.Inet6, index);
            if (v6.Any(a => (a.Flags & Ifa.FlagDadFailed) != 0))
            {
                throw new CniException(CniErrorCode.Internal, $"failed to configure {ifName}: IPv6 duplicate address detected");
            }

            if (!v6.Any(a => (a.Flags & Ifa.FlagTentative) != 0))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new CniException(CniErrorCode.Internal, $"link {ifName} still has tentative addresses after 5 s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Writes a sysctl, ignoring one that does not exist or cannot be written (IPv6 disabled, as the reference does).</summary>
    public static void TrySysctl(string value, params string[] components)
    {
        try
        {
            Sysctl.Write(value, components);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The kernel's name of an IF_OPER_* state.</summary>
    public static string OperStateName(byte state) => state switch
    {
        0 => "unknown",
        1 => "notpresent",
        2 => "down",
        3 => "lowerlayerdown",
        4 => "testing",
        5 => "dormant",
        6 => "up",
        _ => state.ToString(CultureInfo.InvariantCulture),
    };
}
