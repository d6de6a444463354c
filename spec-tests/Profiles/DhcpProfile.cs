using System.Net;
using System.Text.Json.Nodes;
using LibCni.TestKit;
using LibCni.Types;
using SpecTests.Kit;
using Xunit;

namespace SpecTests.Profiles;

/// <summary>
/// dhcp IPAM, called directly as a delegating main plugin would, with the daemon running: each case gets a LAN with
/// dnsmasq (10.66.0.100–199/24) in its own host netns and the implementation's own <c>dhcp daemon</c> on a socket of
/// the case (<c>ipam.daemonSocketPath</c>). As IPAM it needs the interface to exist already, so every container netns
/// gets a macvlan of the LAN's master named CNI_IFNAME, as macvlan would have made it before delegating. The server's
/// lease file is the witness that an address was leased and, after DEL, released.
/// </summary>
public sealed class DhcpProfile : PluginProfile
{
    private const string Subnet = "10.66.0.0/24";
    private const string Master = "lan0";
    private static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(10);

    public override string Name => "dhcp";

    /// <summary>The LAN's master and a macvlan of it moved into the container as CNI_IFNAME, up.</summary>
    public override void PrepareAttachment(CaseContext ctx, Attachment attachment)
    {
        LanOf(ctx);
        var temp = $"cnispdh{attachment.Index}";
        ctx.Host.Ip("link", "add", temp, "link", Master, "type", "macvlan", "mode", "bridge");
        ctx.Host.Ip("link", "set", temp, "netns", attachment.Netns.Name);
        attachment.Netns.Ip("link", "set", temp, "name", attachment.IfName);
        attachment.Netns.Ip("link", "set", attachment.IfName, "up");
    }

    public override JsonObject Config(CaseContext ctx, Attachment attachment) => ConfigFor(ctx, LanOf(ctx).Daemon.SocketPath);

    /// <summary>
    /// An ADD for an interface the container does not have: the daemon reads the config and cannot lease on it.
    /// (Not a socket with no daemon: then DEL fails too, in both implementations, and a DEL after a failed ADD must
    /// succeed.)
    /// </summary>
    public override (JsonObject Config, Action<Dictionary<string, string>>? Env) FailingAdd(CaseContext ctx, Attachment attachment) =>
        (Config(ctx, attachment), env => env["CNI_IFNAME"] = "cnispnone0");

    /// <summary>An address of the LAN, and the server has leased exactly it.</summary>
    public override void VerifyAdded(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        var subnet = CidrAddress.Parse(Subnet);
        var addresses = CniAssert.Addresses(result).ToList();
        Assert.True(addresses.Count == 1, $"a DHCP lease is one IPv4 address: {CniAssert.Compact(result)}");
        var address = addresses[0].Split('/')[0];
        Assert.True(subnet.Contains(IPAddress.Parse(address)), $"{addresses[0]} is not in the LAN's {Subnet}");
        var lan = LanOf(ctx).Lan;
        Assert.True(lan.Leases().ContainsKey(address), $"the server has no lease for {address}: {string.Join(" ", lan.Leases().Keys)}");
    }

    /// <summary>DEL released the lease: the server (DHCPRELEASE) no longer holds any address for the attachment.</summary>
    public override void VerifyDeleted(CaseContext ctx, Attachment attachment) =>
        RequireReleased(ctx, MacOf(attachment), "DEL");

    /// <summary>The interface the lease is for disappears, as when the main plugin's link is removed.</summary>
    public override bool TryBreak(CaseContext ctx, Attachment attachment, JsonObject result)
    {
        attachment.Netns.Ip("link", "del", attachment.IfName);
        return true;
    }

    /// <summary>The server no longer holds the gone attachment's address.</summary>
    public override void VerifyReleasedByGc(CaseContext ctx, Attachment gone, JsonObject goneResult)
    {
        var address = CniAssert.Addresses(goneResult).First().Split('/')[0];
        var lan = LanOf(ctx).Lan;
        try
        {
            DhcpLan.Wait(() => !lan.Leases().ContainsKey(address), ReleaseWait, () => "");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"GC left the lease of {address} (attachment {gone.ContainerId}) with the server");
        }
    }

    private static JsonObject ConfigFor(CaseContext ctx, string socketPath)
    {
        var config = Header(ctx, "dhcp");
        config["ipam"] = new JsonObject { ["type"] = "dhcp", ["daemonSocketPath"] = socketPath };
        return config;
    }

    private static string MacOf(Attachment attachment) =>
        JsonNode.Parse(attachment.Netns.Ip("-j", "link", "show", attachment.IfName))![0]!["address"]!.GetValue<string>();

    private static void RequireReleased(CaseContext ctx, string mac, string what)
    {
        var lan = LanOf(ctx).Lan;
        bool Held() => lan.Leases().Values.Any(l => l.Mac == mac);
        try
        {
            DhcpLan.Wait(() => !Held(), ReleaseWait, () => "");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"after {what} the server still leases an address to {mac}: {string.Join(" ", lan.Leases().Keys)}");
        }
    }

    /// <summary>The case's LAN and daemon, started on first use.</summary>
    private static DhcpFixture LanOf(CaseContext ctx) => ctx.Fixture(() =>
    {
        var lan = new DhcpLan(ctx.Host, ctx.DataDir, Master);
        try
        {
            // DhcpDaemon gives ours (dist/bin) a state dir of the case; ours from elsewhere needs it said.
            var binary = SpecSettings.PluginPath("dhcp");
            string[] state = SpecSettings.Implementation == "ours" && !binary.StartsWith(Repo.BinDir, StringComparison.Ordinal)
                ? ["-statedir", Path.Combine(ctx.DataDir, "dhcp-leases")]
                : [];
            return new DhcpFixture(lan, new DhcpDaemon(ctx.Host, binary, ctx.DataDir, state));
        }
        catch
        {
            lan.Dispose();
            throw;
        }
    });

    private sealed class DhcpFixture(DhcpLan lan, DhcpDaemon daemon) : IDisposable
    {
        public DhcpLan Lan { get; } = lan;

        public DhcpDaemon Daemon { get; } = daemon;

        public void Dispose()
        {
            Daemon.Dispose();
            Lan.Dispose();
        }
    }
}
