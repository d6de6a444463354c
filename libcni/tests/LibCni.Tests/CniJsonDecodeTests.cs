using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class CniJsonDecodeTests
{
    [Fact]
    public void A_config_decodes_with_its_source_generated_type()
    {
        var conf = CniJson.Decode("""{"cniVersion":"1.0.0","name":"n","type":"t"}"""u8, CniJsonContext.Default.NetConf, "failed to load netconf");
        Assert.Equal("n", conf.Name);
    }

    [Theory]
    [InlineData("null", "failed to load netconf: null")]
    [InlineData("""{"name":5}""", "failed to load netconf: The JSON value could not be converted to System.String. Path: $.name")]
    [InlineData("{", "failed to load netconf: Expected depth to be zero")]
    public void Json_that_does_not_fit_is_code_2_under_the_callers_context(string json, string message)
    {
        var e = Assert.Throws<CniException>(() => CniJson.Decode(Encoding.UTF8.GetBytes(json), CniJsonContext.Default.NetConf, "failed to load netconf"));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_may_be_null_and_a_bad_part_names_its_context()
    {
        using var doc = JsonDocument.Parse("""{"a":null,"b":{"name":[]}}""");
        Assert.Null(CniJson.DecodePart(doc.RootElement.GetProperty("a"), CniJsonContext.Default.NetConf, "args.cni"));
        var e = Assert.Throws<CniException>(() => CniJson.DecodePart(doc.RootElement.GetProperty("b"), CniJsonContext.Default.NetConf, "failed to load netconf: args.cni"));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.StartsWith("failed to load netconf: args.cni: The JSON value could not be converted to System.String. Path: $.name", e.Message, StringComparison.Ordinal);
    }
}
