using System.Text;
using System.Text.Json.Nodes;
using LibCni.Runtime;
using Xunit;

namespace LibCni.Runtime.Tests;

public class ConfigLoaderTests
{
    private static string List(string name, string type = "bridge", string extra = "") =>
        $$"""{"cniVersion":"1.0.0","name":"{{name}}"{{extra}},"plugins":[{"type":"{{type}}"}]}""";

    [Fact]
    public void Conflists_are_read_in_name_order_and_the_first_match_wins()
    {
        using var dir = new TempDir();
        dir.Write("20-b.conflist", List("net", "second"));
        dir.Write("10-a.conflist", List("net", "first"));
        dir.Write("05-other.conflist", List("other"));

        var list = ConfigLoader.LoadNetworkConfigList(dir.Path, "net");

        Assert.Equal("first", Assert.Single(list.Plugins).Type);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "10-a.conflist")), list.Bytes);
    }

    [Fact]
    public void A_broken_file_before_the_match_aborts_the_lookup()
    {
        using var dir = new TempDir();
        dir.Write("10-a.conflist", "{not json");
        dir.Write("20-b.conflist", List("net"));

        var error = Assert.Throws<CniRuntimeException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net"));
        Assert.StartsWith("error parsing configuration list: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflists_win_over_single_configs_and_those_are_upconverted()
    {
        using var dir = new TempDir();
        dir.Write("00-single.conf", """{"cniVersion":"0.4.0","name":"net","type":"single"}""");
        dir.Write("50-list.conflist", List("net", "listed"));
        Assert.Equal("listed", ConfigLoader.LoadNetworkConfigList(dir.Path, "net").Plugins[0].Type);

        dir.Write("10-json.json", """{"cniVersion":"0.3.1","name":"solo","type":"host-local","zeta":1}""");
        var solo = ConfigLoader.LoadNetworkConfigList(dir.Path, "solo");
        Assert.Equal("0.3.1", solo.CniVersion);
        Assert.Equal("solo", solo.Name);
        Assert.Equal("host-local", Assert.Single(solo.Plugins).Type);
        JsonAssert.Equal("""{"cniVersion":"0.3.1","name":"solo","plugins":[{"cniVersion":"0.3.1","name":"solo","type":"host-local","zeta":1}]}""",
            Encoding.UTF8.GetString(solo.Bytes));
    }

    [Fact]
    public void Single_config_without_type_is_an_error()
    {
        using var dir = new TempDir();
        dir.Write("10.conf", """{"cniVersion":"0.4.0","name":"net"}""");
        var error = Assert.Throws<CniRuntimeException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net"));
        Assert.Equal("error parsing configuration: missing 'type'", error.Message);
    }

    [Fact]
    public void Missing_configs_have_the_go_error_texts()
    {
        using var dir = new TempDir();
        var none = Assert.Throws<NoConfigsFoundException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net"));
        Assert.Equal($"no net configurations found in {dir.Path}", none.Message);
        Assert.Throws<NoConfigsFoundException>(() => ConfigLoader.LoadNetworkConfigList(Path.Combine(dir.Path, "absent"), "net"));

        dir.Write("10.conflist", List("other"));
        var notFound = Assert.Throws<NetworkNotFoundException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net"));
        Assert.Equal($"no net configuration with name \"net\" in {dir.Path}", notFound.Message);

        dir.Write("20.conf", """{"name":"other2","type":"x"}""");
        Assert.Throws<NetworkNotFoundException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net"));
    }

    [Fact]
    public void Other_extensions_and_directories_are_ignored()
    {
        using var dir = new TempDir();
        dir.Write("10.conflist.bak", List("net", "wrong"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "dir.conflist"));
        dir.Write("20.conflist", List("net", "right"));
        Assert.Equal("right", ConfigLoader.LoadNetworkConfigList(dir.Path, "net").Plugins[0].Type);
    }

    [Fact]
    public void Drop_in_plugins_are_appended_in_file_order()
    {
        using var dir = new TempDir();
        dir.Write("10.conflist", List("net", "inline"));
        dir.Write("net/20-b.conf", """{"type":"dropin-b"}""");
        dir.Write("net/10-a.conf", """{"type":"dropin-a","x":1}""");
        dir.Write("net/30-c.json", """{"type":"not-a-conf"}""");

        var list = ConfigLoader.LoadNetworkConfigList(dir.Path, "net");
        Assert.Equal(["inline", "dropin-a", "dropin-b"], list.Plugins.Select(p => p.Type));
        Assert.Equal("""{"type":"dropin-a","x":1}""", Encoding.UTF8.GetString(list.Plugins[1].Bytes));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("\"TRUE\"")]
    public void LoadOnlyInlinedPlugins_skips_drop_ins(string flag)
    {
        using var dir = new TempDir();
        dir.Write("10.conflist", List("net", "inline", $",\"loadOnlyInlinedPlugins\":{flag}"));
        dir.Write("net/10.conf", """{"type":"dropin"}""");

        var list = ConfigLoader.LoadNetworkConfigList(dir.Path, "net");
        Assert.True(list.LoadOnlyInlinedPlugins);
        Assert.Equal("inline", Assert.Single(list.Plugins).Type);
    }

    [Fact]
    public void A_list_without_plugins_takes_them_from_drop_ins_or_fails()
    {
        using var dir = new TempDir();
        dir.Write("10.conflist", """{"cniVersion":"1.0.0","name":"net"}""");
        Assert.Equal("no plugin configs found", Assert.Throws<CniRuntimeException>(() => ConfigLoader.LoadNetworkConfigList(dir.Path, "net")).Message);

        dir.Write("net/10.conf", """{"type":"dropin"}""");
        Assert.Equal("dropin", Assert.Single(ConfigLoader.LoadNetworkConfigList(dir.Path, "net").Plugins).Type);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0"}""", "error parsing configuration list: no name")]
    [InlineData("""{"name":1}""", "error parsing configuration list: invalid name type Number")]
    [InlineData("""{"name":"n","cniVersion":1}""", "error parsing configuration list: invalid cniVersion type Number")]
    [InlineData("""{"name":"n","plugins":[]}""", "error parsing configuration list: no plugins in list")]
    [InlineData("""{"name":"n","plugins":{}}""", "error parsing configuration list: invalid 'plugins' type Object")]
    [InlineData("""{"name":"n","loadOnlyInlinedPlugins":true}""", "error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key")]
    [InlineData("""{"name":"n","disableCheck":"yes","plugins":[{"type":"x"}]}""", "error parsing configuration list: invalid value \"yes\" for disableCheck")]
    [InlineData("""{"name":"n","disableGC":1,"plugins":[{"type":"x"}]}""", "error parsing configuration list: invalid type Number for disableGC")]
    [InlineData("""{"name":"n","plugins":[{"type":"x"},{"name":"y"}]}""", "failed to parse plugin config 1: error parsing configuration: missing 'type'")]
    [InlineData("""{"name":"n","cniVersions":"1.0.0","plugins":[{"type":"x"}]}""", "error parsing configuration list: invalid type for cniVersions: String")]
    [InlineData("""{"name":"n","cniVersions":["1.0.0",2],"plugins":[{"type":"x"}]}""", "error parsing configuration list: invalid type for cniVersions index 1: Number")]
    public void Invalid_lists_have_the_go_error_texts(string json, string message)
    {
        var error = Assert.Throws<CniRuntimeException>(() => ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"True\"", true)]
    [InlineData("\"FALSE\"", false)]
    public void Flags_accept_booleans_and_boolean_strings(string value, bool expected)
    {
        var list = ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(
            $$"""{"name":"n","disableCheck":{{value}},"disableGC":{{value}},"plugins":[{"type":"x"}]}"""));
        Assert.Equal(expected, list.DisableCheck);
        Assert.Equal(expected, list.DisableGc);
    }

    [Fact]
    public void Plugins_keep_unknown_keys_and_capabilities()
    {
        var list = ConfigLoader.FromBytes(Encoding.UTF8.GetBytes(
            """{"name":"n","plugins":[{"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false},"snat":true,"nested":{"z":1,"a":[1,2]}}]}"""));
        var plugin = list.Plugins[0];
        Assert.True(plugin.Capabilities["portMappings"]);
        Assert.False(plugin.Capabilities["bandwidth"]);
        JsonAssert.Equal("""{"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false},"snat":true,"nested":{"z":1,"a":[1,2]}}""",
            Encoding.UTF8.GetString(plugin.Bytes));
        Assert.Equal("", list.CniVersion);
    }
}

public class VersionNegotiationTests
{
    private static string Negotiate(string cniVersionKey, string cniVersions) =>
        ConfigLoader.FromBytes(Encoding.UTF8.GetBytes($$"""{"name":"n"{{cniVersionKey}},"cniVersions":{{cniVersions}},"plugins":[{"type":"x"}]}""")).CniVersion;

    [Theory]
    [InlineData("", """["0.4.0","1.0.0","0.3.1"]""", "1.0.0")]
    [InlineData(",\"cniVersion\":\"1.1.0\"", """["0.4.0","1.0.0"]""", "1.1.0")]
    [InlineData(",\"cniVersion\":\"0.3.1\"", """["1.0.0"]""", "1.0.0")]
    [InlineData(",\"cniVersion\":\"0.4.0\"", """["1.2.0","9.9.9"]""", "0.4.0")]
    [InlineData("", """["1.2.0","1.0.0"]""", "1.0.0")]
    [InlineData(",\"cniVersion\":\"2.0.0\"", """["1.0.0"]""", "1.0.0")]
    [InlineData(",\"cniVersion\":\"0.4.0\"", "[]", "0.4.0")]
    public void The_highest_supported_version_wins(string cniVersion, string cniVersions, string expected) =>
        Assert.Equal(expected, Negotiate(cniVersion, cniVersions));

    [Fact]
    public void Without_cniVersions_the_version_is_taken_as_is()
    {
        var list = ConfigLoader.FromBytes("""{"name":"n","cniVersion":"7.0.0","plugins":[{"type":"x"}]}"""u8.ToArray());
        Assert.Equal("7.0.0", list.CniVersion);
    }

    [Theory]
    [InlineData("", """["1.0.0","1.x"]""", "error parsing configuration list: invalid cniVersions entry 1.x at index 1: ")]
    [InlineData("", """["1.0.0.0"]""", "error parsing configuration list: invalid cniVersions entry 1.0.0.0 at index 0: ")]
    [InlineData(",\"cniVersion\":\"abc\"", """["1.0.0"]""", "error parsing configuration list: invalid cniVersion abc: ")]
    public void Invalid_versions_are_errors(string cniVersion, string cniVersions, string prefix)
    {
        var error = Assert.Throws<CniRuntimeException>(() => Negotiate(cniVersion, cniVersions));
        Assert.StartsWith(prefix, error.Message, StringComparison.Ordinal);
    }
}
