using Xunit;

namespace LibCni.TestKit;

/// <summary>
/// The runtime's view of a macvlan/ipvlan/vlan network: one conflist (the plugin with host-local) through our
/// cnitool or the reference's Go libcni (<paramref name="go"/>), ADD, CHECK and DEL, after which the master reads
/// back exactly as before and nothing of the pod remains.
/// </summary>
public static class ChildLinkConflist
{
    public static void AddCheckDelLeaveNothing(BinaryHost bin, string type, string keys, bool go = false)
    {
        bin.AddMaster("cnilm0", "cnilp0");
        var masterBefore = BinaryHost.LinkDetails(bin.Host!, "cnilm0").ToJsonString();
        var conflist = $$$"""
            {"cniVersion":"{{{(go ? "1.0.0" : "1.1.0")}}}","name":"{{{type}}}list","plugins":[
              {"type":"{{{type}}}","master":"cnilm0",{{{keys}}},"ipam":{"type":"host-local","dataDir":"{{{bin.DataDir}}}","ranges":[[{"subnet":"10.74.0.0/24"}]]}}]}
            """;
        using var tool = new Cnitool(conflist, $"{type}list", bin.Host, go);
        var ctr = bin.Container();

        BinaryHost.Ok(tool.Run("add", ctr));
        Assert.Equal(type, BinaryHost.LinkDetails(ctr)["linkinfo"]!["info_kind"]!.GetValue<string>());
        Assert.Contains("10.74.0.2/24", ctr.Ip("-br", "addr", "show", "eth0"), StringComparison.Ordinal);
        BinaryHost.Ok(tool.Run("check", ctr));
        BinaryHost.Ok(tool.Run("del", ctr));

        Assert.Single(System.Text.Json.Nodes.JsonNode.Parse(ctr.Ip("-j", "link", "show"))!.AsArray());
        Assert.Equal(masterBefore, BinaryHost.LinkDetails(bin.Host!, "cnilm0").ToJsonString());
        Assert.Empty(Directory.GetFiles(Path.Combine(bin.DataDir, $"{type}list"), "10.*"));
        BinaryHost.Ok(tool.Run("del", ctr));
    }
}
