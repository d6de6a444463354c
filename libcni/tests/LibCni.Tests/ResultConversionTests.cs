using System.Text.Json;
using LibCni.Json;
using LibCni.Types;
using Xunit;

namespace LibCni.Tests;

public class ResultConversionTests
{
    public static TheoryData<string, string> AllPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in SpecVersions.All)
        {
            foreach (var to in SpecVersions.All)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    /// <summary>A dual-stack result with routes of both families, in the shape of <paramref name="version"/>.</summary>
    private static ICniResult Sample(string version) =>
        ResultConverter.Convert(new Result100
        {
            CniVersion = "1.1.0",
            Interfaces = [new Interface100 { Name = "eth0", Mac = "0a:58:0a:00:00:02", Sandbox = "/run/netns/x", Mtu = 1400 }],
            Ips =
            [
                new IpConfig100 { Interface = 0, Address = CidrAddress.Parse("10.0.0.2/24"), Gateway = IpText.Parse("10.0.0.1") },
                new IpConfig100 { Interface = 0, Address = CidrAddress.Parse("fd00::2/64"), Gateway = IpText.Parse("fd00::1") },
                new IpConfig100 { Interface = 0, Address = CidrAddress.Parse("10.1.0.2/24") },
            ],
            Routes =
            [
                new Route { Dst = CidrAddress.Parse("0.0.0.0/0"), Gw = IpText.Parse("10.0.0.1"), Mtu = 1300 },
                new Route { Dst = CidrAddress.Parse("::/0") },
            ],
            Dns = new Dns { Nameservers = ["10.0.0.53"], Search = ["svc.local"] },
        }, version);

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_pair_converts_and_keeps_the_first_address_of_each_family(string from, string to)
    {
        var converted = ResultConverter.Convert(Sample(from), to);
        Assert.Equal(to, converted.CniVersion);
        var json = CniJson.ResultToJson(converted);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(to, root.GetProperty("cniVersion").GetString());
        Assert.Contains("10.0.0.2/24", json, StringComparison.Ordinal);
        Assert.Contains("fd00::2/64", json, StringComparison.Ordinal);
        Assert.Contains("10.0.0.53", json, StringComparison.Ordinal);

        var back = ResultConverter.ToResult100(CniJson.ParseResult(root, null));
        Assert.Equal("10.0.0.2/24", back.Ips![0].Address.ToString());
        Assert.Equal("10.0.0.1", back.Ips[0].Gateway!.ToString());
        Assert.Contains(back.Routes!, r => r.Dst.ToString() == "0.0.0.0/0" && r.Gw!.ToString() == "10.0.0.1");

        switch (SpecVersions.FamilyOf(to))
        {
            case ResultFamily.V020:
                Assert.False(root.TryGetProperty("ips", out _));
                Assert.Equal("10.0.0.2/24", root.GetProperty("ip4").GetProperty("ip").GetString());
                Assert.Equal("fd00::2/64", root.GetProperty("ip6").GetProperty("ip").GetString());
                Assert.Equal(JsonValueKind.Object, root.GetProperty("dns").ValueKind);
                break;
            case ResultFamily.V040:
                Assert.All(root.GetProperty("ips").EnumerateArray(), ip => Assert.True(ip.TryGetProperty("version", out _)));
                Assert.Equal(JsonValueKind.Object, root.GetProperty("dns").ValueKind);
                break;
            case ResultFamily.V100:
                Assert.All(root.GetProperty("ips").EnumerateArray(), ip => Assert.False(ip.TryGetProperty("version", out _)));
                break;
        }

        // 0.1/0.2 hold only one address per family: the third address exists only if no 0.2 step was on the way.
        var lossy = SpecVersions.FamilyOf(from) == ResultFamily.V020 || SpecVersions.FamilyOf(to) == ResultFamily.V020;
        Assert.Equal(!lossy, json.Contains("10.1.0.2/24", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void A_result_without_ips_cannot_become_020_unless_it_already_is(string from, string to)
    {
        var empty = SpecVersions.FamilyOf(from) == ResultFamily.V020
            ? (ICniResult)new Result020 { CniVersion = from }
            : ResultConverter.Convert(new Result100 { Interfaces = [new Interface100 { Name = "br0" }] }, from);
        var mustFail = SpecVersions.FamilyOf(to) == ResultFamily.V020 && SpecVersions.FamilyOf(from) != ResultFamily.V020;
        if (mustFail)
        {
            var e = Assert.Throws<CniException>(() => ResultConverter.Convert(empty, to));
            Assert.Equal("cannot convert: no valid IP addresses", e.Message);
        }
        else
        {
            Assert.Equal(to, ResultConverter.Convert(empty, to).CniVersion);
        }
    }

    [Fact]
    public void Result_040_to_020_assigns_routes_by_destination_family_and_drops_extras()
    {
        var r = (Result020)ResultConverter.Convert(Sample("0.4.0"), "0.2.0");
        Assert.Equal("0.0.0.0/0", Assert.Single(r.Ip4!.Routes!).Dst.ToString());
        Assert.Equal(0, r.Ip4.Routes![0].Mtu);
        Assert.Equal("::/0", Assert.Single(r.Ip6!.Routes!).Dst.ToString());
    }

    [Fact]
    public void Result_020_to_100_hoists_routes_and_has_no_interface_index()
    {
        var r020 = new Result020
        {
            CniVersion = "0.2.0",
            Ip4 = new IpConfig020 { Ip = CidrAddress.Parse("10.0.0.2/24"), Routes = [new Route { Dst = CidrAddress.Parse("1.0.0.0/8") }] },
        };
        var r = (Result100)ResultConverter.Convert(r020, "1.0.0");
        Assert.Null(Assert.Single(r.Ips!).Interface);
        Assert.Equal("1.0.0.0/8", Assert.Single(r.Routes!).Dst.ToString());
    }

    [Fact]
    public void Unknown_target_version_has_no_converter()
    {
        var e = Assert.Throws<CniException>(() => ResultConverter.Convert(Sample("1.1.0"), "2.0.0"));
        Assert.Equal("no converter for CNI result version 1.1.0 to 2.0.0", e.Message);
    }

    [Fact]
    public void Result_100_prints_like_the_reference()
    {
        var json = CniJson.ResultToJson(new Result100
        {
            CniVersion = "1.0.0",
            Interfaces = [new Interface100 { Name = "lo", Mac = "00:00:00:00:00:00", Sandbox = "/run/netns/x" }],
            Ips = [new IpConfig100 { Interface = 0, Address = CidrAddress.Parse("127.0.0.1/8") }],
            Dns = new Dns(),
        });
        Assert.Equal("""
            {
                "cniVersion": "1.0.0",
                "interfaces": [
                    {
                        "mac": "00:00:00:00:00:00",
                        "name": "lo",
                        "sandbox": "/run/netns/x"
                    }
                ],
                "ips": [
                    {
                        "address": "127.0.0.1/8",
                        "interface": 0
                    }
                ]
            }
            """.Replace("\r", "", StringComparison.Ordinal), json);
    }

    [Fact]
    public void Result_040_always_prints_dns_and_ip_version()
    {
        var json = CniJson.ResultToJson(new Result040 { CniVersion = "0.3.1", Ips = [new IpConfig040 { Version = "4", Address = CidrAddress.Parse("10.0.0.2/24") }] });
        Assert.Equal("""
            {
                "cniVersion": "0.3.1",
                "ips": [
                    {
                        "version": "4",
                        "address": "10.0.0.2/24"
                    }
                ],
                "dns": {}
            }
            """.Replace("\r", "", StringComparison.Ordinal), json);
    }

    [Fact]
    public void Route_table_and_scope_zero_are_kept_other_zeros_omitted()
    {
        var json = CniJson.ResultToJson(new Result100 { Routes = [new Route { Dst = CidrAddress.Parse("10.0.0.0/8"), Table = 0, Scope = 0 }] });
        Assert.Contains("\"table\": 0", json, StringComparison.Ordinal);
        Assert.Contains("\"scope\": 0", json, StringComparison.Ordinal);
        Assert.DoesNotContain("mtu", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_takes_the_default_version_when_the_result_has_none()
    {
        using var doc = JsonDocument.Parse("""{"ips":[{"version":"4","address":"10.0.0.2/24"}]}""");
        var r = CniJson.ParseResult(doc.RootElement, "0.4.0");
        Assert.IsType<Result040>(r);
        Assert.Equal("0.4.0", r.CniVersion);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.300/24"}]}""")]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3"}]}""")]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3/24","gateway":"nope"}]}""")]
    [InlineData("""{"cniVersion":"7.0.0"}""")]
    [InlineData("""[]""")]
    public void Parse_rejects_malformed_results(string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Throws<CniException>(() => CniJson.ParseResult(doc.RootElement, null));
    }

    [Theory]
    [InlineData("""{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24"}}""", "1.0.0")]
    [InlineData("""{"ip4":{"ip":"10.1.0.5/24"}}""", "1.0.0")]
    [InlineData("""{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.5/24"}]}""", "1.1.0")]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"}]}""", "0.4.0")]
    public void Prev_result_of_another_result_family_is_refused_with_code_1(string prev, string configVersion)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(prev);
        var e = Assert.Throws<CniException>(() => LibCni.Json.CniJson.ParsePrevResult(doc.RootElement, configVersion));
        Assert.Equal(CniErrorCode.IncompatibleCniVersion, e.Code);
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"}]}""", "1.1.0")]
    [InlineData("""{"ips":[{"address":"10.1.0.5/24"}]}""", "1.0.0")]
    [InlineData("""{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.1.0.5/24"}]}""", "0.4.0")]
    [InlineData("""{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24"}}""", "0.1.0")]
    public void Prev_result_of_the_config_family_is_read(string prev, string configVersion)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(prev);
        Assert.Equal("10.1.0.5/24", ResultConverter.ToResult100(LibCni.Json.CniJson.ParsePrevResult(doc.RootElement, configVersion)).Ips![0].Address.ToString());
    }
}
