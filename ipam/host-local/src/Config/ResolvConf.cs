using LibCni.Types;

namespace CniPlugins.HostLocal.Config;

/// <summary>resolv.conf to a result's dns, as the reference reads it.</summary>
public static class ResolvConf
{
    /// <summary>
    /// <c>nameserver</c> appends its first word, <c>domain</c> sets it (last wins), <c>search</c> and
    /// <c>options</c> append all their words; comments (<c>#</c>, <c>;</c>), blank lines, unknown keywords
    /// and keywords without a value are skipped.
    /// </summary>
    public static Dns Parse(string text)
    {
        var dns = new Dns();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            switch (fields[0])
            {
                case "nameserver":
                    (dns.Nameservers ??= []).Add(fields[1]);
                    break;
                case "domain":
                    dns.Domain = fields[1];
                    break;
                case "search":
                    (dns.Search ??= []).AddRange(fields[1..]);
                    break;
                case "options":
                    (dns.Options ??= []).AddRange(fields[1..]);
                    break;
            }
        }

        return dns;
    }
}
