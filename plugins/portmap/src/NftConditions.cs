using System.Net;
using LibCni.Netfilter;
using LibCni.Types;
using static LibCni.Netfilter.NftFields;

namespace CniPlugins.Portmap;

/// <summary>
/// conditionsV4/conditionsV6 in nftables syntax, for the in-process backend. There is no nft parser here,
/// so the common match forms are understood and anything else is refused naming the token:
/// <c>ip|ip6 saddr|daddr [!=] ADDR[/LEN]</c>, <c>iifname|oifname [!=] NAME</c>.
/// </summary>
public static class NftConditions
{
    public static IReadOnlyList<NftMatch> Parse(IReadOnlyList<string> tokens, bool ipv4)
    {
        var words = tokens.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var matches = new List<NftMatch>();
        for (var i = 0; i < words.Count;)
        {
            NftField field;
            int consumed;
            switch (words[i])
            {
                case "ip" or "ip6" when i + 1 < words.Count && words[i + 1] is "saddr" or "daddr":
                    if ((words[i] == "ip") != ipv4)
                    {
                        throw Invalid($"\"{words[i]} {words[i + 1]}\" does not belong in {(ipv4 ? "conditionsV4" : "conditionsV6")}");
                    }

                    field = (words[i], words[i + 1]) switch
                    {
                        ("ip", "saddr") => IpSaddr,
                        ("ip", "daddr") => IpDaddr,
                        ("ip6", "saddr") => Ip6Saddr,
                        _ => Ip6Daddr,
                    };
                    consumed = 2;
                    break;
                case "iifname":
                    field = IifName;
                    consumed = 1;
                    break;
                case "oifname":
                    field = OifName;
                    consumed = 1;
                    break;
                default:
                    throw Invalid($"unsupported condition token \"{words[i]}\"");
            }

            i += consumed;
            var negate = i < words.Count && words[i] == "!=";
            if (i < words.Count && words[i] is "!=" or "==")
            {
                i++;
            }

            if (i >= words.Count)
            {
                throw Invalid($"condition \"{field}\" has no value");
            }

            var value = words[i++];
            NftValue parsed = field == IifName || field == OifName ? value.Trim('"') : ParseAddress(value);
            matches.Add(negate ? field != parsed : field == parsed);
        }

        return matches;
    }

    private static NftValue ParseAddress(string text)
    {
        if (CidrAddress.TryParse(text, out var cidr))
        {
            return new IPNetwork(cidr.Network, cidr.PrefixLength);
        }

        return IpText.TryParse(text, out var address) ? address : throw Invalid($"invalid address \"{text}\" in condition");
    }

    private static CniException Invalid(string message) =>
        new(CniErrorCode.InvalidNetworkConfig, message, "supported: ip|ip6 saddr|daddr [!=] ADDR[/LEN], iifname|oifname [!=] NAME");
}
