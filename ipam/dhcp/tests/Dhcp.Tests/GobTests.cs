using CniPlugins.Dhcp.Gob;
using CniPlugins.Dhcp.Rpc;
using Xunit;

namespace Dhcp.Tests;

public sealed class GobTests
{
    private static string Hex(IEnumerable<byte> bytes) => Convert.ToHexString([.. bytes]);

    private static byte[] Uint(ulong value)
    {
        var output = new List<byte>();
        GobWire.WriteUint(output, value);
        return [.. output];
    }

    private static byte[] Int(long value)
    {
        var output = new List<byte>();
        GobWire.WriteInt(output, value);
        return [.. output];
    }

    // The examples in encoding/gob's package documentation, plus the boundaries of each length.
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(7UL, "07")]
    [InlineData(127UL, "7F")]
    [InlineData(128UL, "FF80")]
    [InlineData(256UL, "FE0100")]
    [InlineData(65536UL, "FD010000")]
    [InlineData(ulong.MaxValue, "F8FFFFFFFFFFFFFFFF")]
    public void Unsigned_integers_use_gobs_byte_count_form(ulong value, string hex) => Assert.Equal(hex, Hex(Uint(value)));

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(1L, "02")]
    [InlineData(-1L, "01")]
    [InlineData(-129L, "FE0101")]
    [InlineData(-67L, "FF85")]
    [InlineData(1500L, "FE0BB8")]
    [InlineData(long.MinValue, "F8FFFFFFFFFFFFFFFF")]
    public void Signed_integers_carry_the_sign_in_bit_zero(long value, string hex) => Assert.Equal(hex, Hex(Int(value)));

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1234567890123L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void A_signed_integer_reads_back(long value)
    {
        var reader = new GobReader(Int(value));
        Assert.Equal(value, reader.ReadInt());
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void The_encoder_writes_the_go_plugins_first_call_byte_for_byte()
    {
        var encoder = new GobEncoder();
        var output = new List<byte>();
        encoder.Encode(output, RpcTypes.Request, RpcTypes.Call(RpcTypes.AllocateMethod, 0));
        encoder.Encode(output, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args));
        Assert.Equal(Hex(GoGolden.GoClientAllocateCall), Hex(output));
    }

    [Fact]
    public void A_second_message_of_a_known_type_carries_no_definition()
    {
        var encoder = new GobEncoder();
        var output = new List<byte>();
        encoder.Encode(output, RpcTypes.Request, RpcTypes.Call(RpcTypes.AllocateMethod, 0));
        encoder.Encode(output, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args));
        output.Clear();
        encoder.Encode(output, RpcTypes.Request, RpcTypes.Call(RpcTypes.ReleaseMethod, 1));
        encoder.Encode(output, RpcTypes.CmdArgs, RpcTypes.EncodeArgs(RpcSamples.Args));
        Assert.Equal(Hex(GoGolden.GoClientReleaseCall), Hex(output));
    }

    [Fact]
    public void The_encoder_writes_a_fresh_go_daemons_result_reply_byte_for_byte()
    {
        var encoder = new GobEncoder();
        var output = new List<byte>();
        encoder.Encode(output, RpcTypes.Response, RpcTypes.Reply(RpcTypes.AllocateMethod, 0, ""));
        encoder.Encode(output, RpcTypes.Result, RpcTypes.EncodeResult(RpcSamples.Result()));
        Assert.Equal(Hex(GoGolden.GoServerAllocateReply), Hex(output));

        // Then the Release reply on the same stream: struct{} is new, Response is not.
        output.Clear();
        encoder.Encode(output, RpcTypes.Response, RpcTypes.Reply(RpcTypes.ReleaseMethod, 1, ""));
        encoder.Encode(output, RpcTypes.Empty, new GobStruct([]));
        Assert.Equal(Hex(GoGolden.GoServerReleaseReply), Hex(output));
    }

    [Fact]
    public void The_encoder_writes_an_error_reply_as_go_does()
    {
        var encoder = new GobEncoder();
        var output = new List<byte>();
        encoder.Encode(output, RpcTypes.Response, RpcTypes.Reply(RpcTypes.AllocateMethod, 0, "error looking up \"eth9\": Link not found"));
        encoder.Encode(output, RpcTypes.Empty, new GobStruct([]));
        Assert.Equal(Hex(GoGolden.GoServerErrorReply), Hex(output));
    }

    [Fact]
    public void The_decoder_reads_the_go_plugins_calls()
    {
        var decoder = new GobDecoder(new MemoryStream([.. GoGolden.GoClientAllocateCall, .. GoGolden.GoClientReleaseCall]));
        var first = Assert.IsType<GobStruct>(decoder.Decode());
        Assert.Equal(RpcTypes.AllocateMethod, first.String("ServiceMethod"));
        Assert.Equal(0, first.Int("Seq"));
        RpcSamples.AssertArgs(RpcSamples.Args, RpcTypes.DecodeArgs(Assert.IsType<GobStruct>(decoder.Decode())));

        var second = Assert.IsType<GobStruct>(decoder.Decode());
        Assert.Equal(RpcTypes.ReleaseMethod, second.String("ServiceMethod"));
        Assert.Equal(1, second.Int("Seq"));
        RpcSamples.AssertArgs(RpcSamples.Args, RpcTypes.DecodeArgs(Assert.IsType<GobStruct>(decoder.Decode())));
        Assert.Null(decoder.Decode());
    }

    [Fact]
    public void Go_values_of_every_supported_kind_decode()
    {
        var decoder = new GobDecoder(new MemoryStream(GoGolden.GoValues));
        Assert.Equal(new GobInt(42), decoder.Decode());
        Assert.Equal(new GobInt(-129), decoder.Decode());
        Assert.Equal("hi", Assert.IsType<GobBytes>(decoder.Decode()).Text);
        Assert.Equal(["a", "b"], Assert.IsType<GobList>(decoder.Decode()).Items.Select(i => ((GobBytes)i).Text));

        // A map comes back as alternating keys and values.
        var map = Assert.IsType<GobList>(decoder.Decode()).Items;
        Assert.Equal("k", ((GobBytes)map[0]).Text);
        Assert.Equal(new GobInt(7), map[1]);
        Assert.Equal([new GobInt(1), new GobInt(2), new GobInt(3)], Assert.IsType<GobList>(decoder.Decode()).Items);
        Assert.Equal(new GobUint(1), decoder.Decode());

        var outer = Assert.IsType<GobStruct>(decoder.Decode());
        Assert.Equal(300, outer.Int("A"));
        Assert.Equal(-1, outer.Struct("B")!.Int("N"));
        Assert.Equal("x", ((GobBytes)outer.Struct("B")!.List("S")[0]).Text);
        Assert.False(outer.Has("hidden"));
        Assert.Equal([new GobUint(0), new GobUint(1)], outer.List("D"));

        // gob sends a float's IEEE bits byte-reversed; 1.5 is 0x3FF8 followed by zeros.
        Assert.Equal(new GobUint(0xF83F), outer.Fields["E"]);

        var zero = Assert.IsType<GobStruct>(decoder.Decode());
        Assert.Equal(["D"], zero.Fields.Keys);
        Assert.Null(decoder.Decode());
    }

    [Fact]
    public void A_stream_cut_inside_a_message_is_an_error_not_an_end()
    {
        var cut = GoGolden.GoClientAllocateCall.AsSpan(0, 20).ToArray();
        Assert.Throws<EndOfStreamException>(() => new GobDecoder(new MemoryStream(cut)).Decode());
    }

    [Fact]
    public void An_absurd_message_length_is_refused_before_allocating()
    {
        var error = Assert.Throws<GobException>(() => new GobDecoder(new MemoryStream([0xFC, 0x7F, 0xFF, 0xFF, 0xFF])).Decode());
        Assert.Contains("too large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_an_undefined_type_is_refused()
    {
        // A 2-byte message for type id 9 (int 9 is 0x12), which is neither predefined nor defined by the stream.
        var error = Assert.Throws<GobException>(() => new GobDecoder(new MemoryStream([0x02, 0x12, 0x00])).Decode());
        Assert.Equal("gob: unknown type id 9", error.Message);
    }

    [Fact]
    public void A_string_longer_than_its_message_is_refused()
    {
        // Type 6 (string) sent top-level: singleton delta 0, then a length of 10 with 1 byte left.
        var error = Assert.Throws<GobException>(() => new GobDecoder(new MemoryStream([0x04, 0x0C, 0x00, 0x0A, 0x41])).Decode());
        Assert.Contains("10-byte string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_fields_are_left_out_and_a_struct_field_is_always_sent()
    {
        var type = new GobStructType("T", ("A", GobType.Int), ("B", GobType.String), ("C", new GobStructType("U", ("X", GobType.Uint))));
        var output = new List<byte>();
        new GobEncoder().Encode(output, type, new GobStruct(new() { ["A"] = new GobInt(0), ["B"] = new GobBytes([]), ["C"] = new GobStruct([]) }));
        var decoded = Assert.IsType<GobStruct>(new GobDecoder(new MemoryStream([.. output])).Decode());
        Assert.Equal(["C"], decoded.Fields.Keys);
    }
}
