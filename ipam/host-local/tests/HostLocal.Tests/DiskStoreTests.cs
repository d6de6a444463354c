using System.Net;
using CniPlugins.HostLocal.Store;
using LibCni.Types;
using LibCni.TestKit;
using Xunit;

namespace HostLocal.Tests;

public class DiskStoreTests : IDisposable
{
    private const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private DiskStore Open(string network = "net1") => DiskStore.Open(_temp.Path, network);

    private static IPAddress Ip(string s) => IpText.Parse(s);

    private string Bytes(string name) => Convert.ToHexString(File.ReadAllBytes(_temp.Combine("net1", name)));

    private static string Hex(string text) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Reserve_writes_the_reference_format()
    {
        using var store = Open();
        using (store.Lock())
        {
            Assert.True(store.Reserve("c1", "eth0", Ip("10.0.0.2"), 0));
            Assert.True(store.Reserve("c1", "eth1", Ip("fd00::2"), 1));
        }

        Assert.Equal(Hex("c1\r\neth0"), Bytes("10.0.0.2"));
        Assert.Equal(Hex("c1\r\neth1"), Bytes("fd00::2"));
        Assert.Equal(Hex("10.0.0.2"), Bytes("last_reserved_ip.0"));
        Assert.Equal(Hex("fd00::2"), Bytes("last_reserved_ip.1"));
        foreach (var name in new[] { "10.0.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1" })
        {
            Assert.Equal(Mode600, File.GetUnixFileMode(_temp.Combine("net1", name)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
            UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(store.Directory));
        Assert.Equal(["10.0.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"],
            Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Reserve_of_a_taken_address_fails_and_keeps_the_holder()
    {
        using var store = Open();
        using (store.Lock())
        {
            Assert.True(store.Reserve("c1", "eth0", Ip("10.0.0.2"), 0));
            Assert.False(store.Reserve("c2", "eth0", Ip("10.0.0.2"), 0));
            Assert.True(store.Reserve("c2", "eth0", Ip("10.0.0.3"), 0));
        }

        Assert.Equal(Hex("c1\r\neth0"), Bytes("10.0.0.2"));
        Assert.Equal(Hex("10.0.0.3"), Bytes("last_reserved_ip.0"));
        Assert.DoesNotContain(Directory.GetFiles(Open().Directory), f => Path.GetFileName(f).StartsWith(DiskStore.TempPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_records_of_other_writers_and_ignores_bookkeeping_and_leftovers()
    {
        var dir = _temp.Combine("net1");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "10.0.0.2"), "c1\r\neth0");
        File.WriteAllText(Path.Combine(dir, "10.0.0.3"), "legacy-id\n");
        File.WriteAllText(Path.Combine(dir, "10.0.0.4"), "");
        File.WriteAllText(Path.Combine(dir, "last_reserved_ip.0"), "10.0.0.4");
        File.WriteAllText(Path.Combine(dir, DiskStore.TempPrefix + "abc"), "c9\r\neth0");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "c1\r\neth0");
        File.CreateSymbolicLink(Path.Combine(dir, "10.0.0.9"), Path.Combine(dir, "10.0.0.2"));

        using var store = Open();
        IReadOnlyList<Reservation> all;
        using (store.Lock())
        {
            all = store.Reservations();
        }

        Assert.Equal(
            [new Reservation(Ip("10.0.0.2"), "c1", "eth0"), new Reservation(Ip("10.0.0.3"), "legacy-id", null), new Reservation(Ip("10.0.0.4"), "", null)],
            all);
        Assert.False(File.Exists(Path.Combine(dir, DiskStore.TempPrefix + "abc")), "a leftover temp file survived the lock");
        Assert.Equal(IpText.Parse("10.0.0.4"), store.LastReservedIp(0));
    }

    [Fact]
    public void Skips_a_fifo_named_like_an_address_and_reads_records_of_any_length()
    {
        var dir = _temp.Combine("net1");
        Directory.CreateDirectory(dir);
        var longId = new string('a', 2000);
        File.WriteAllText(Path.Combine(dir, "10.0.0.2"), longId + "\r\neth0");
        Shell.Run("mkfifo", "-m", "600", Path.Combine(dir, "10.0.0.3"));

        using var store = Open();
        using (store.Lock())
        {
            Assert.Equal([new Reservation(Ip("10.0.0.2"), longId, "eth0")], store.Reservations());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.")]
    [InlineData("10.0.0.4\n")]
    [InlineData("garbage")]
    public void An_unreadable_last_reserved_ip_means_start_from_the_beginning(string content)
    {
        using var store = Open();
        File.WriteAllText(Path.Combine(store.Directory, "last_reserved_ip.0"), content);
        Assert.Null(store.LastReservedIp(0));
        Assert.Null(store.LastReservedIp(7));
    }

    [Fact]
    public void Release_by_id_deletes_exact_records_then_legacy_ones_and_is_idempotent()
    {
        using var store = Open();
        File.WriteAllText(Path.Combine(store.Directory, "10.0.0.7"), "c1");
        using (store.Lock())
        {
            store.Reserve("c1", "eth0", Ip("10.0.0.2"), 0);
            store.Reserve("c1", "eth1", Ip("10.0.0.3"), 0);
            store.Reserve("c2", "eth0", Ip("10.0.0.4"), 0);
            store.ReleaseById("c1", "eth0");
            Assert.False(File.Exists(Path.Combine(store.Directory, "10.0.0.2")));
            Assert.True(File.Exists(Path.Combine(store.Directory, "10.0.0.7")));
            store.ReleaseById("c1", "eth0");
            Assert.False(File.Exists(Path.Combine(store.Directory, "10.0.0.7")));
            store.ReleaseById("c1", "eth0");
            store.ReleaseById("nobody", "eth0");
        }

        Assert.Equal(["10.0.0.3", "10.0.0.4", "last_reserved_ip.0", "lock"],
            Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Release_leaves_a_record_that_changed_hands()
    {
        using var store = Open();
        using (store.Lock())
        {
            store.Reserve("c2", "eth0", Ip("10.0.0.2"), 0);
            Assert.False(store.Release(new Reservation(Ip("10.0.0.2"), "c1", "eth0")));
            Assert.False(store.Release(new Reservation(Ip("10.0.0.5"), "c1", "eth0")));
            Assert.True(store.Release(new Reservation(Ip("10.0.0.2"), "c2", "eth0")));
        }
    }

    [Fact]
    public void Refuses_a_symlinked_store_directory_or_lock()
    {
        var elsewhere = _temp.Combine("elsewhere");
        Directory.CreateDirectory(elsewhere);
        Directory.CreateSymbolicLink(_temp.Combine("linked"), elsewhere);
        var e = Assert.Throws<IOException>(() => DiskStore.Open(_temp.Path, "linked"));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);

        Directory.CreateDirectory(_temp.Combine("net2"));
        File.CreateSymbolicLink(_temp.Combine("net2", "lock"), Path.Combine(elsewhere, "victim"));
        e = Assert.Throws<IOException>(() => DiskStore.Open(_temp.Path, "net2"));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(elsewhere, "victim")));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Refuses_network_names_that_leave_the_data_dir(string network)
    {
        Assert.Throws<IOException>(() => DiskStore.Open(_temp.Path, network));
    }

    [Fact]
    public void Creates_missing_data_dir_and_uses_the_default_when_none_is_given()
    {
        using var store = DiskStore.Open(_temp.Combine("a", "b"), "net1");
        Assert.Equal(_temp.Combine("a", "b", "net1"), store.Directory);
        Assert.True(Directory.Exists(store.Directory));
        Assert.Equal("/var/lib/cni/networks", DiskStore.DefaultDataDir);
    }

    [Fact]
    public void Ipv6_file_names_are_the_canonical_text()
    {
        using var store = Open();
        using (store.Lock())
        {
            foreach (var text in new[] { "2001:db8:0:0:1:0:0:1", "FD00:0:0:0:0:0:0:A", "::ffff:10.0.0.9", "2001:0db8::0001" })
            {
                Assert.True(store.Reserve("c", "eth0", Ip(text), 0));
            }
        }

        // Go's net.IP.String(): RFC 5952, lower case, IPv4-mapped printed as IPv4.
        Assert.Equal(["10.0.0.9", "2001:db8::1", "2001:db8::1:0:0:1", "fd00::a", "last_reserved_ip.0", "lock"],
            Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
