using System.Text;
using CniPlugins.Dhcp.Daemon;
using CniPlugins.Dhcp.Protocol;
using LibCni.Types;
using Xunit;

namespace Dhcp.Tests;

public sealed class LeaseConfigTests
{
    private static LeaseConfig Parse(string ipam, string cniArgs = "") =>
        LeaseConfig.Parse(Encoding.UTF8.GetBytes($$$"""{"cniVersion":"1.0.0","name":"net1","ipam":{"type":"dhcp"{{{ipam}}}}}"""), cniArgs);

    private static string Text(LeaseConfig config, byte code) => Encoding.UTF8.GetString(config.Provide.Single(p => p.Code == code).Value);

    [Fact]
    public void The_client_id_is_container_network_and_interface()
    {
        Assert.Equal("ctr/net1/eth0", LeaseConfig.ClientId("ctr", "net1", "eth0"));
    }

    [Fact]
    public void A_client_id_over_254_bytes_is_cut_as_rfc_2132_requires()
    {
        var id = LeaseConfig.ClientId(new string('a', 300), "net1", "eth0");
        Assert.Equal(254, id.Length);
        Assert.Equal(new string('a', 254), id);
    }

    [Fact]
    public void A_bare_config_asks_for_router_and_subnet_mask()
    {
        var config = Parse("");
        Assert.Equal("net1", config.Network);
        Assert.Equal(0, config.Priority);
        Assert.Empty(config.Provide);
        Assert.Equal([DhcpOption.Router, DhcpOption.SubnetMask], config.RequestList);
    }

    [Fact]
    public void The_priority_is_read()
    {
        Assert.Equal(50, Parse(""","priority":50""").Priority);
    }

    [Fact]
    public void Requested_options_come_before_the_defaults_without_repeats()
    {
        var config = Parse(""","request":[{"option":"121"},{"option":"routers"},{"option":"15"}]""");
        Assert.Equal([121, DhcpOption.Router, DhcpOption.DomainName, DhcpOption.SubnetMask], config.RequestList);
    }

    [Fact]
    public void Skip_default_on_any_entry_drops_the_defaults()
    {
        var config = Parse(""","request":[{"option":"121"},{"skipDefault":true}]""");
        Assert.Equal([121], config.RequestList);
    }

    [Fact]
    public void Asking_for_nothing_falls_back_to_the_libraries_own_list_not_an_empty_option()
    {
        var config = Parse(""","request":[{"skipDefault":true}]""");
        Assert.Equal([DhcpOption.SubnetMask, DhcpOption.Router, DhcpOption.DomainName, DhcpOption.DomainNameServer], config.RequestList);
    }

    [Fact]
    public void Provided_options_are_sent_by_name_or_code()
    {
        var config = Parse(""","provide":[{"option":"host-name","value":"pod-1"},{"option":"77","value":"gold"}]""");
        Assert.Equal("pod-1", Text(config, DhcpOption.HostName));
        Assert.Equal("gold", Text(config, DhcpOption.UserClass));
    }

    [Fact]
    public void A_value_from_cni_args_overrides_the_configured_one()
    {
        var config = Parse(""","provide":[{"option":"host-name","value":"fallback","fromArg":"K8S_POD_NAME"}]""",
            "IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default");
        Assert.Equal("web-0", Text(config, DhcpOption.HostName));
    }

    [Fact]
    public void The_last_of_a_repeated_cni_arg_wins_as_in_the_references_map()
    {
        var config = Parse(""","provide":[{"option":"host-name","fromArg":"K"}]""", "K=first;K=second");
        Assert.Equal("second", Text(config, DhcpOption.HostName));
    }

    [Fact]
    public void A_cni_arg_value_may_contain_equals_signs()
    {
        var config = Parse(""","provide":[{"option":"host-name","fromArg":"K"}]""", "K=a=b");
        Assert.Equal("a=b", Text(config, DhcpOption.HostName));
    }

    [Fact]
    public void A_missing_cni_arg_keeps_the_configured_value_and_no_value_sends_nothing()
    {
        Assert.Equal("fallback", Text(Parse(""","provide":[{"option":"host-name","value":"fallback","fromArg":"K"}]""", "X=1"), DhcpOption.HostName));
        Assert.Empty(Parse(""","provide":[{"option":"host-name","fromArg":"K"}]""", "X=1").Provide);
    }

    [Fact]
    public void A_value_over_255_bytes_is_an_invalid_config()
    {
        var value = new string('v', 256);
        var error = Assert.Throws<CniException>(() => Parse($$""","provide":[{"option":"host-name","value":"{{value}}"}]"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, error.Code);
        Assert.Equal($"value too long for option \"host-name\": \"{value}\"", error.Message);
    }

    [Fact]
    public void A_cni_arg_over_255_bytes_is_an_invalid_config()
    {
        var value = new string('v', 256);
        var error = Assert.Throws<CniException>(() => Parse(""","provide":[{"option":"host-name","fromArg":"K"}]""", "K=" + value));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, error.Code);
        Assert.StartsWith("value too long for option \"host-name\" from CNI_ARGS \"K\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_name_is_an_invalid_config()
    {
        var error = Assert.Throws<CniException>(() => Parse(""","request":[{"option":"router"}]"""));
        Assert.Equal(CniErrorCode.InvalidNetworkConfig, error.Code);
        Assert.StartsWith("Can not parse option \"router\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_that_is_not_json_is_a_decoding_error()
    {
        var error = Assert.Throws<CniException>(() => LeaseConfig.Parse("not json"u8.ToArray(), ""));
        Assert.Equal(CniErrorCode.DecodingFailure, error.Code);
        Assert.StartsWith("error parsing netconf: ", error.Message, StringComparison.Ordinal);
    }
}
