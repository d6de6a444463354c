using System.Text;
using CniPlugins.Tuning;
using Xunit;

namespace Tuning.Tests;

public class SavedLinkStateTests
{
    private static readonly TuningLink Link = new(2, "eth0", [0x0a, 0x58, 0x0a, 0x01, 0x00, 0x05], 1500, false, true, 1000);

    [Fact]
    public void The_file_is_what_the_references_MarshalIndent_writes()
    {
        var config = new TuningConfig { Mac = [2, 0, 0, 0, 0, 1], Promisc = true, Mtu = 1400, Allmulti = false, TxQLen = 5 };
        var json = Encoding.UTF8.GetString(SavedLinkState.Snapshot(Link, config).ToJson());
        Assert.Equal("{\n \"mac\": \"0a:58:0a:01:00:05\",\n \"promisc\": false,\n \"mtu\": 1500,\n \"allmulti\": true,\n \"txQLen\": 1000\n}", json);
    }

    [Fact]
    public void Only_what_is_changed_is_saved()
    {
        Assert.Equal("{\n \"mtu\": 1500\n}", Encoding.UTF8.GetString(SavedLinkState.Snapshot(Link, new TuningConfig { Mtu = 9000 }).ToJson()));
        Assert.Equal("{\n \"txQLen\": 1000\n}", Encoding.UTF8.GetString(SavedLinkState.Snapshot(Link, new TuningConfig { TxQLen = 0 }).ToJson()));
        Assert.Equal("{}", Encoding.UTF8.GetString(SavedLinkState.Snapshot(Link, new TuningConfig()).ToJson()));
    }

    [Fact]
    public void A_file_the_reference_wrote_reads_back()
    {
        var state = SavedLinkState.FromJson("{\n \"mac\": \"0a:58:0a:01:00:05\",\n \"promisc\": false,\n \"mtu\": 1500\n}"u8.ToArray());
        Assert.Equal("0a:58:0a:01:00:05", state.Mac);
        Assert.False(state.Promisc);
        Assert.Equal(1500, state.Mtu);
        Assert.Null(state.Allmulti);
        Assert.Null(state.TxQLen);
    }

    [Fact]
    public void File_name_is_container_id_underscore_ifname()
    {
        Assert.Equal("c0ffee_eth0.json", SavedLinkState.FileName("c0ffee", "eth0"));
        Assert.Equal("/run/cni/tuning/c0ffee_net1.json", DiskStateStore.PathOf("/run/cni/tuning", "c0ffee", "net1"));
    }

    [Fact]
    public void Garbage_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => SavedLinkState.FromJson("not json"u8.ToArray()));
    }
}
