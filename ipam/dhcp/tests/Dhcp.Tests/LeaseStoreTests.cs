using System.Net;
using System.Text;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dhcp.Protocol;
using Xunit;

namespace Dhcp.Tests;

public sealed class LeaseStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly byte[] Conf = """{"name":"net1","ipam":{"type":"dhcp","priority":5}}"""u8.ToArray();

    private static DhcpLease Lease(LeaseStore store, string clientId = "ctr/net1/eth0")
    {
        var ack = new DhcpPacket { Op = 2, TransactionId = 7, YourIp = IPAddress.Parse("10.0.0.50"), ClientHardwareAddress = [2, 0, 0, 0, 0, 1] };
        ack.SetOption(DhcpOption.MessageType, [(byte)DhcpMessageType.Ack]);
        ack.SetOption(DhcpOption.ServerId, [10, 0, 0, 1]);
        ack.SetOption(DhcpOption.SubnetMask, [255, 255, 255, 0]);
        var acked = new AckedLease(ack, [0x0a, 0, 0, 0, 0, 9], DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123));
        var target = new LeaseTarget(clientId, "/host/var/run/netns/x", "eth0", Conf, "K8S_POD_NAME=p");
        return DhcpLease.Resume(target, acked, new DaemonOptions(), store);
    }

    [Fact]
    public void A_saved_lease_loads_back_whole()
    {
        var store = new LeaseStore(_dir.Combine("leases"));
        store.Save(Lease(store));

        var (target, acked) = Assert.Single(store.Load());
        Assert.Equal(("ctr/net1/eth0", "/host/var/run/netns/x", "eth0", "K8S_POD_NAME=p"), (target.ClientId, target.Netns, target.IfName, target.CniArgs));
        Assert.Equal(Conf, target.StdinData);
        Assert.Equal(IPAddress.Parse("10.0.0.50"), acked.Address);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), acked.Server);
        Assert.Equal([0x0a, 0, 0, 0, 0, 9], acked.ServerMac);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), acked.Acquired);
        Assert.Equal(7u, acked.Ack.TransactionId);
    }

    [Fact]
    public void A_loaded_lease_resumes_with_its_config()
    {
        var store = new LeaseStore(_dir.Path);
        store.Save(Lease(store));
        var (target, acked) = Assert.Single(store.Load());
        var result = DhcpLease.Resume(target, acked, new DaemonOptions(), store).ToResult();
        Assert.Equal("10.0.0.50/24", Assert.Single(result.Ips!).Address.ToString());
    }

    [Fact]
    public void Saving_again_replaces_the_file_and_delete_removes_it()
    {
        var store = new LeaseStore(_dir.Path);
        store.Save(Lease(store));
        store.Save(Lease(store));
        store.Save(Lease(store, "other/net1/eth0"));
        Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);
        Assert.Equal(2, store.Load().Count);

        store.Delete("ctr/net1/eth0");
        Assert.Equal("other/net1/eth0", Assert.Single(store.Load()).Target.ClientId);

        // Deleting what is not there is not an error (DEL may be repeated).
        store.Delete("ctr/net1/eth0");
    }

    [Fact]
    public void Lease_files_are_readable_only_by_their_owner()
    {
        var store = new LeaseStore(_dir.Path);
        store.Save(Lease(store));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(_dir.Path))));
    }

    [Fact]
    public void A_file_name_does_not_reveal_or_depend_on_the_characters_of_the_client_id()
    {
        var store = new LeaseStore(_dir.Path);
        store.Save(Lease(store, "../../etc/ctr/with/slashes"));
        var name = Path.GetFileName(Assert.Single(Directory.GetFiles(_dir.Path)));
        Assert.Matches("^[0-9a-f]{32}\\.json$", name);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{}")]
    [InlineData("""{"clientId":"x","netns":"/n","ifName":"eth0","args":"","config":"e30=","ack":"AAAA","serverMac":"","acquired":1}""")]
    [InlineData("""{"clientId":"x","netns":"/n","ifName":"eth0","args":"","config":"!!","ack":"","serverMac":"","acquired":1}""")]
    public void A_corrupt_file_is_skipped_and_the_others_still_load(string content)
    {
        var store = new LeaseStore(_dir.Path);
        store.Save(Lease(store));
        File.WriteAllText(_dir.Combine("0000.json"), content, Encoding.UTF8);
        Assert.Equal("ctr/net1/eth0", Assert.Single(store.Load()).Target.ClientId);
    }

    [Fact]
    public void Files_other_than_json_are_not_read()
    {
        var store = new LeaseStore(_dir.Path);
        File.WriteAllText(_dir.Combine(".lease-tmp"), "partial");
        Assert.Empty(store.Load());
    }

    [Fact]
    public void A_missing_directory_is_an_empty_store()
    {
        Assert.Empty(new LeaseStore(_dir.Combine("never-made")).Load());
    }

    [Fact]
    public void Without_a_directory_nothing_is_kept()
    {
        var store = new LeaseStore("");
        store.Save(Lease(store));
        store.Delete("ctr/net1/eth0");
        Assert.Empty(store.Load());
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }
}
