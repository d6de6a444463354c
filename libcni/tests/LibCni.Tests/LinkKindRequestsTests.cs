using LibCni.Netlink;
using LibCni.Netlink.Route;
using Xunit;

namespace LibCni.Tests;

/// <summary>
/// Typed link creation against iproute2 6.1's bytes, captured as in <see cref="RtnlRequestsTests"/> with the
/// parent p0 at ifindex 3 and "netns other" as fd 4; then each message read back as a link, kind data included.
/// </summary>
public class LinkKindRequestsTests
{
    private static readonly byte[] Mac = [0x0a, 0x58, 0x0a, 0, 0, 2];

    private static string Bytes(NetlinkMessageWriter writer)
    {
        writer.Flags |= Nlmsg.FRequest | Nlmsg.FAck;
        return Convert.ToHexString(writer.Finish(0)).ToLowerInvariant();
    }

    private static string Hex(string capture) => capture.Replace(" ", "", StringComparison.Ordinal);

    public static TheoryData<string, string> Captures => new()
    {
        { "ip link add link p0 name mv0 type macvlan mode bridge",
          "4c000000100005060000000000000000 00000000000000000000000000000000 0800050003000000 080003006d763000 1c001200 0b0001006d6163766c616e00 0c000200 0800010004000000" },
        { "ip link add link p0 name mv1 mtu 1400 address 0a:58:0a:00:00:02 type macvlan mode private bcqueuelen 100",
          "68000000100005060000000000000000 00000000000000000000000000000000 0800040078050000 0a0001000a580a0000020000 0800050003000000 080003006d763100 24001200 0b0001006d6163766c616e00 14000200 0800070064000000 0800010001000000" },
        { "ip link add link p0 name mv2 mtu 1400 netns other type macvlan mode vepa",
          "5c000000100005060000000000000000 00000000000000000000000000000000 0800040078050000 08001c0004000000 0800050003000000 080003006d763200 1c001200 0b0001006d6163766c616e00 0c000200 0800010002000000" },
        { "ip link add link p0 name mv3 type macvlan mode passthru",
          "4c000000100005060000000000000000 00000000000000000000000000000000 0800050003000000 080003006d763300 1c001200 0b0001006d6163766c616e00 0c000200 0800010008000000" },
        { "ip link add link p0 name mv4 type macvlan mode source",
          "4c000000100005060000000000000000 00000000000000000000000000000000 0800050003000000 080003006d763400 1c001200 0b0001006d6163766c616e00 0c000200 0800010010000000" },
        { "ip link add link p0 name iv0 type ipvlan mode l3",
          "54000000100005060000000000000000 00000000000000000000000000000000 0800050003000000 0800030069763000 24001200 0a0001006970766c616e0000 14000200 0600010001000000 0600020000000000" },
        { "ip link add link p0 name iv1 mtu 1400 type ipvlan mode l3s",
          "5c000000100005060000000000000000 00000000000000000000000000000000 0800040078050000 0800050003000000 0800030069763100 24001200 0a0001006970766c616e0000 14000200 0600010002000000 0600020000000000" },
        { "ip link add link p0 name v5 mtu 1400 type vlan id 5",
          "50000000100005060000000000000000 00000000000000000000000000000000 0800040078050000 0800050003000000 0700030076350000 18001200 08000100766c616e 0c000200 0600010005000000" },
        { "ip link add name d0 type dummy",
          "38000000100005060000000000000000 00000000000000000000000000000000 0700030064300000 10001200 0900010064756d6d79000000" },
    };

    private static readonly Dictionary<string, LinkSpec> Specs = new()
    {
        ["mv0"] = new("mv0", new MacvlanKind(MacvlanMode.Bridge)) { ParentIndex = 3 },
        ["mv1"] = new("mv1", new MacvlanKind(MacvlanMode.Private, 100)) { ParentIndex = 3, Mtu = 1400, Mac = Mac },
        ["mv2"] = new("mv2", new MacvlanKind(MacvlanMode.Vepa)) { ParentIndex = 3, Mtu = 1400, NetnsFd = 4 },
        ["mv3"] = new("mv3", new MacvlanKind(MacvlanMode.Passthru)) { ParentIndex = 3 },
        ["mv4"] = new("mv4", new MacvlanKind(MacvlanMode.Source)) { ParentIndex = 3 },
        ["iv0"] = new("iv0", new IpvlanKind(IpvlanMode.L3)) { ParentIndex = 3 },
        ["iv1"] = new("iv1", new IpvlanKind(IpvlanMode.L3s)) { ParentIndex = 3, Mtu = 1400 },
        ["v5"] = new("v5", new VlanKind(5)) { ParentIndex = 3, Mtu = 1400 },
        ["d0"] = new("d0", new DummyKind()),
    };

    private static LinkSpec SpecOf(string command) => Specs[command.Split(' ')[command.Split(' ').ToList().IndexOf("name") + 1]];

    [Theory]
    [MemberData(nameof(Captures))]
    public void Request_equals_iproute2s(string command, string capture) =>
        Assert.Equal(Hex(capture), Bytes(RtnlRequests.NewLink(SpecOf(command))));

    [Theory]
    [MemberData(nameof(Captures))]
    public void Reads_back_the_kind_and_its_data(string command, string capture)
    {
        var spec = SpecOf(command);
        var link = LinkInfo.Parse(NetlinkMessage.ParseAll(Convert.FromHexString(Hex(capture)))[0]);
        Assert.Equal(spec.Name, link.Name);
        Assert.Equal(spec.Kind.Name, link.Kind);
        Assert.Equal(spec.Kind, link.Details);
        Assert.Equal(spec.ParentIndex, link.PeerIndex);
    }

    [Fact]
    public void Unmodelled_kinds_read_back_by_name()
    {
        Assert.Equal(new OtherKind("veth"), LinkKind.Parse("veth", ReadOnlyMemory<byte>.Empty));
        Assert.Equal(new MacvlanKind(MacvlanMode.Bridge) { Tap = true }, LinkKind.Parse("macvtap", Convert.FromHexString("0800010004000000")));
    }

    // ip link set dev hd0 netns other name eth1 (hd0 ifindex 3, "other" fd 4)
    [Fact]
    public void Move_to_netns_with_a_new_name() => Assert.Equal(Hex(
        "34000000100005000000000000000000 00000000030000000000000000000000 08001c0004000000 0900030065746831 00000000"),
        Bytes(RtnlRequests.MoveToNetns(3, 4, "eth1")));

    // ip link set dev hd1 alias "" (hd1 ifindex 2)
    [Fact]
    public void Clearing_the_alias_sends_it_empty() => Assert.Equal(Hex(
        "24000000100005000000000000000000 00000000020000000000000000000000 04001400"),
        Bytes(RtnlRequests.SetAlias(2, "")));
}
