using CniPlugins.Firewall;
using Xunit;

namespace Firewall.Tests;

/// <summary>
/// The D-Bus encoding. The bytes below are what dbus-daemon and firewalld accept in FirewalldTests (privileged
/// tier, a private bus); here they guard the layout without a bus.
/// </summary>
public class DbusWireTests
{
    [Fact]
    public void A_method_call_is_laid_out_as_the_specification_says()
    {
        var message = DbusWire.MethodCall(7, "org.fedoraproject.FirewallD1", "/org/fedoraproject/FirewallD1", "org.fedoraproject.FirewallD1.zone", "addSource", "trusted", "10.0.0.2/32");
        Assert.Equal("6C0100011C000000070000", Convert.ToHexString(message, 0, 11));
        var parsed = DbusWire.Parse(message);
        Assert.Equal((DbusMessageType.MethodCall, 7u, "ss"), (parsed.Type, parsed.Serial, parsed.Signature));
        Assert.Equal(message.Length, DbusWire.TotalLength(message));
        // Body: "trusted" (length 7, NUL), padding to 4, "10.0.0.2/32" (length 11, NUL).
        Assert.Equal("0700000074727573746564000B00000031302E302E302E322F333200", Convert.ToHexString(parsed.Body));
        Assert.Equal("trusted", parsed.FirstString());
        Assert.Equal(0, (message.Length - parsed.Body.Length) % 8);
    }

    [Fact]
    public void A_call_without_arguments_has_no_signature_field_and_no_body()
    {
        var message = DbusWire.MethodCall(1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello");
        var parsed = DbusWire.Parse(message);
        Assert.Equal("", parsed.Signature);
        Assert.Empty(parsed.Body);
        Assert.Equal(0, message.Length % 8);
    }

    [Fact]
    public void A_big_endian_error_reply_gives_its_name_reply_serial_and_message()
    {
        // 'B', ERROR, flags 0, version 1, body 12, serial 9; fields: REPLY_SERIAL u 7, ERROR_NAME s, SIGNATURE g "s".
        var fields = new List<byte>();
        void Pad8() { while ((16 + fields.Count) % 8 != 0) fields.Add(0); }
        fields.AddRange([5, 1, (byte)'u', 0, 0, 0, 0, 7]);
        Pad8();
        var name = "org.fedoraproject.FirewallD1.Exception"u8.ToArray();
        fields.AddRange([4, 1, (byte)'s', 0, 0, 0, 0, (byte)name.Length]);
        fields.AddRange(name);
        fields.Add(0);
        Pad8();
        fields.AddRange([8, 1, (byte)'g', 0, 1, (byte)'s', 0]);
        var header = new List<byte> { (byte)'B', 3, 0, 1, 0, 0, 0, 12, 0, 0, 0, 9, 0, 0, 0, (byte)fields.Count };
        header.AddRange(fields);
        while (header.Count % 8 != 0) header.Add(0);
        header.AddRange([0, 0, 0, 7, .. "INVALID"u8.ToArray(), 0]);
        var parsed = DbusWire.Parse([.. header]);
        Assert.Equal((DbusMessageType.Error, 9u, (uint?)7u, "org.fedoraproject.FirewallD1.Exception", "s"),
            (parsed.Type, parsed.Serial, parsed.ReplySerial, parsed.ErrorName, parsed.Signature));
        Assert.Equal("INVALID", parsed.FirstString());
    }

    [Fact]
    public void Oversized_and_foreign_messages_are_refused()
    {
        byte[] huge = [(byte)'l', 2, 0, 1, 0, 0, 0x20, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        Assert.Throws<IOException>(() => DbusWire.TotalLength(huge));
        byte[] foreign = [(byte)'x', 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        Assert.Throws<IOException>(() => DbusWire.TotalLength(foreign));
    }

    [Fact]
    public void Bus_addresses_give_their_unix_endpoints_in_order()
    {
        Assert.Equal([("/run/dbus/system_bus_socket", false), ("cni bus", true)],
            DbusFirewalld.UnixEndpoints("unix:path=/run/dbus/system_bus_socket;tcp:host=localhost,port=1;unix:abstract=cni%20bus,guid=0123").ToList());
    }
}
