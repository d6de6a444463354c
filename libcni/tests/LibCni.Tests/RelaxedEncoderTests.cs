using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LibCni.Json;
using Xunit;

namespace LibCni.Tests;

public class RelaxedEncoderTests
{
    private static readonly JavaScriptEncoder Real = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static TheoryData<string> Texts()
    {
        var data = new TheoryData<string>();
        for (var c = 0; c < 0x80; c++)
        {
            data.Add($"a{(char)c}b");
        }

        foreach (var text in new[] { "", "plain", "héllo \"x\"", "line\u2028sep", "<script>&amp;</script>", "tab\tand\u007f", "\ud83d\ude00 emoji", "\u00a0nbsp", "lone \ud800 surrogate", "é\n" })
        {
            data.Add(text);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Escapes_exactly_like_the_relaxed_encoder(string text)
    {
        Assert.Equal(Real.Encode(text), RelaxedEncoder.Instance.Encode(text));
        Assert.Equal(Json(Real, text), Json(RelaxedEncoder.Instance, text));
    }

    [Fact]
    public void Agrees_on_every_ascii_scalar()
    {
        for (var c = 0; c < 0x80; c++)
        {
            Assert.Equal(Real.WillEncode(c), RelaxedEncoder.Instance.WillEncode(c));
        }
    }

    [Fact]
    public void Reports_a_destination_too_small_without_writing_past_it()
    {
        var destination = new byte[3];
        var status = RelaxedEncoder.Instance.EncodeUtf8("a\"b"u8, destination, out var consumed, out var written);
        Assert.Equal(System.Buffers.OperationStatus.DestinationTooSmall, status);
        Assert.Equal((2, 3), (consumed, written));
    }

    private static string Json(JavaScriptEncoder encoder, string text)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = encoder, Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString(text, text);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
