using CniPlugins.HostLocal.Config;
using Xunit;

namespace HostLocal.Tests;

public class ResolvConfTests
{
    [Fact]
    public void Parses_like_the_reference()
    {
        var dns = ResolvConf.Parse("""
            # a comment
            ; another
            nameserver 10.0.0.53
              nameserver   fd00::53 ignored
            domain first.example
            domain example.com
            search a.example b.example
            search c.example
            options ndots:5 timeout:1
            options
            sortlist 10.0.0.0
            nameserver

            """);
        Assert.Equal(["10.0.0.53", "fd00::53"], dns.Nameservers!);
        Assert.Equal("example.com", dns.Domain);
        Assert.Equal(["a.example", "b.example", "c.example"], dns.Search!);
        Assert.Equal(["ndots:5", "timeout:1"], dns.Options!);
    }

    [Fact]
    public void An_empty_file_gives_empty_dns()
    {
        Assert.True(ResolvConf.Parse("\n# nothing\n").IsEmpty);
    }

    [Fact]
    public void Crlf_line_endings_and_tabs_are_whitespace()
    {
        var dns = ResolvConf.Parse("nameserver\t1.1.1.1\r\nsearch x.example\r\n");
        Assert.Equal(["1.1.1.1"], dns.Nameservers!);
        Assert.Equal(["x.example"], dns.Search!);
    }
}
