using System.Text;
using LibCni.Json;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class SpecJsonTests
{
    // Every field a 1.1 result can carry, in the reference's key order (alphabetical at each level, routes in struct order).
    private const string Full100 = """
        {
            "cniVersion": "1.1.0",
            "dns": {
                "nameservers": [
                    "10.0.0.53"
                ],
                "domain": "cluster.local",
                "search": [
                    "svc.cluster.local"
                ],
                "options": [
                    "ndots:5"
                ]
            },
            "interfaces": [
                {
                    "mac": "0a:58:0a:00:00:02",
                    "mtu": 1400,
                    "name": "eth0",
                    "pciID": "0000:00:1f.6",
                    "sandbox": "/var/run/netns/x",
                    "socketPath": "/run/vhost.sock"
                }
            ],
            "ips": [
                {
                    "address": "10.0.0.2/24",
                    "gateway": "10.0.0.1",
                    "interface": 0
                }
            ],
            "routes": [
                {
                    "dst": "0.0.0.0/0",
                    "gw": "10.0.0.1",
                    "mtu": 1300,
                    "advmss": 1260,
                    "priority": 100,
                    "table": 7,
                    "scope": 0
                }
            ]
        }
        """;

    private static string Normalize(string text) => text.Replace("\r", "", StringComparison.Ordinal);

    [Fact]
    public void A_full_1_1_result_reads_and_prints_back_byte_for_byte()
    {
        var result = CniJson.ParseResult(JsonFields.Parse(Encoding.UTF8.GetBytes(Full100), "t").Element, null);
        Assert.IsType<Result100>(result);
        Assert.Equal(Normalize(Full100), CniJson.ResultToJson(result));
    }

    [Fact]
    public void A_020_result_prints_ip4_ip6_and_dns_in_its_order()
    {
        var json = CniJson.ResultToJson(new Result020
        {
            CniVersion = "0.2.0",
            Ip4 = new IpConfig020
            {
                Ip = CidrAddress.Parse("10.0.0.2/24"),
                Gateway = System.Net.IPAddress.Parse("10.0.0.1"),
                Routes = [new Route { Dst = CidrAddress.Parse("0.0.0.0/0") }],
            },
        });
        Assert.Equal(Normalize("""
            {
                "cniVersion": "0.2.0",
                "ip4": {
                    "ip": "10.0.0.2/24",
                    "gateway": "10.0.0.1",
                    "routes": [
                        {
                            "dst": "0.0.0.0/0"
                        }
                    ]
                },
                "dns": {}
            }
            """), json);
    }

    [Fact]
    public void An_error_omits_empty_version_and_details()
    {
        Assert.Equal(Normalize("""
            {
                "code": 7,
                "msg": "bad \"x\" <y>"
            }
            """), CniJson.ErrorToJson(new CniError { Code = 7, Msg = "bad \"x\" <y>" }));
        Assert.Equal(
            """{"cniVersion":"1.0.0","code":2,"msg":"m","details":"d"}""",
            CniJson.Compact(w => SpecJson.WriteError(w, new CniError { CniVersion = "1.0.0", Code = 2, Msg = "m", Details = "d" })));
    }

    [Fact]
    public void Version_info_reads_what_it_writes()
    {
        var text = CniJson.Compact(w => SpecJson.WriteVersionInfo(w, new VersionInfo { CniVersion = "1.1.0", SupportedVersions = ["0.4.0", "1.1.0"] }));
        Assert.Equal("""{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.1.0"]}""", text);
        var back = SpecJson.ReadVersionInfo(JsonFields.Parse(Encoding.UTF8.GetBytes(text), "t"));
        Assert.Equal(["0.4.0", "1.1.0"], back.SupportedVersions!);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"gateway":"10.0.0.1"}]}""", "failed to parse result: ips[0].address: missing")]
    [InlineData("""{"cniVersion":"1.0.0","routes":[{"gw":"10.0.0.1"}]}""", "failed to parse result: routes[0].dst: missing")]
    [InlineData("""{"cniVersion":"1.0.0","interfaces":[{"name":1}]}""", "failed to parse result: interfaces[0].name: expected a string, got number 1")]
    [InlineData("""{"cniVersion":"0.2.0","ip4":{"gateway":"10.0.0.1"}}""", "failed to parse result: ip4.ip: missing")]
    public void A_result_missing_an_address_or_with_a_wrong_type_is_code_2(string json, string message)
    {
        var e = Assert.Throws<CniException>(() => CniJson.ParseResult(Encoding.UTF8.GetBytes(json), null));
        Assert.Equal(CniErrorCode.DecodingFailure, e.Code);
        Assert.Equal(message, e.Message);
    }
}
