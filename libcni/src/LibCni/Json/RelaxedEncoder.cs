using System.Buffers;
using System.Text.Encodings.Web;

namespace LibCni.Json;

/// <summary>
/// <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, byte for byte, without its start-up cost: that
/// encoder builds a 65,536-code-point table on first use, at every plugin run that prints JSON. ASCII text
/// (nearly all a plugin prints) is escaped here by the same rules; any text with a non-ASCII character is
/// handed whole to the real encoder, created only then. The unit tests compare both on every ASCII character.
/// </summary>
public sealed class RelaxedEncoder : JavaScriptEncoder
{
    public static readonly RelaxedEncoder Instance = new();

    private RelaxedEncoder()
    {
    }

    private static JavaScriptEncoder Full => UnsafeRelaxedJsonEscaping;

    /// <summary>"\uXXXX" for one UTF-16 unit, as the real encoder reports.</summary>
    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            var c = text[i];
            if (c >= 0x80)
            {
                var rest = Full.FindFirstCharacterToEncode(text + i, textLength - i);
                return rest < 0 ? -1 : i + rest;
            }

            if (NeedsEscape(c))
            {
                return i;
            }
        }

        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (var i = 0; i < utf8Text.Length; i++)
        {
            var b = utf8Text[i];
            if (b >= 0x80)
            {
                var rest = Full.FindFirstCharacterToEncodeUtf8(utf8Text[i..]);
                return rest < 0 ? -1 : i + rest;
            }

            if (NeedsEscape(b))
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (unicodeScalar >= 0x80)
        {
            return Full.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        Span<char> escaped = stackalloc char[6];
        var length = Escape((byte)unicodeScalar, escaped);
        if (length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        escaped[..length].CopyTo(new Span<char>(buffer, bufferLength));
        numberOfCharactersWritten = length;
        return true;
    }

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar >= 0x80 ? Full.WillEncode(unicodeScalar) : NeedsEscape(unicodeScalar);

    public override OperationStatus EncodeUtf8(ReadOnlySpan<byte> utf8Source, Span<byte> utf8Destination, out int bytesConsumed, out int bytesWritten, bool isFinalBlock = true)
    {
        if (!System.Text.Ascii.IsValid(utf8Source))
        {
            return Full.EncodeUtf8(utf8Source, utf8Destination, out bytesConsumed, out bytesWritten, isFinalBlock);
        }

        Span<char> escaped = stackalloc char[6];
        bytesConsumed = 0;
        bytesWritten = 0;
        foreach (var b in utf8Source)
        {
            var length = Escape(b, escaped);
            if (bytesWritten + length > utf8Destination.Length)
            {
                return OperationStatus.DestinationTooSmall;
            }

            for (var k = 0; k < length; k++)
            {
                utf8Destination[bytesWritten + k] = (byte)escaped[k];
            }

            bytesWritten += length;
            bytesConsumed++;
        }

        return OperationStatus.Done;
    }

    public override OperationStatus Encode(ReadOnlySpan<char> source, Span<char> destination, out int charsConsumed, out int charsWritten, bool isFinalBlock = true)
    {
        if (!System.Text.Ascii.IsValid(source))
        {
            return Full.Encode(source, destination, out charsConsumed, out charsWritten, isFinalBlock);
        }

        Span<char> escaped = stackalloc char[6];
        charsConsumed = 0;
        charsWritten = 0;
        foreach (var c in source)
        {
            var length = Escape((byte)c, escaped);
            if (charsWritten + length > destination.Length)
            {
                return OperationStatus.DestinationTooSmall;
            }

            escaped[..length].CopyTo(destination[charsWritten..]);
            charsWritten += length;
            charsConsumed++;
        }

        return OperationStatus.Done;
    }

    // The relaxed encoder's ASCII rules: C0 controls, DEL, the quote and the backslash are escaped; nothing else.
    private static bool NeedsEscape(int c) => c < 0x20 || c == 0x7F || c == '"' || c == '\\';

    /// <summary>Writes <paramref name="c"/> as the relaxed encoder does (itself, a short escape or \u00XX); returns the length.</summary>
    private static int Escape(byte c, Span<char> output)
    {
        if (!NeedsEscape(c))
        {
            output[0] = (char)c;
            return 1;
        }

        var shortForm = c switch
        {
            (byte)'"' => '"',
            (byte)'\\' => '\\',
            (byte)'\b' => 'b',
            (byte)'\f' => 'f',
            (byte)'\n' => 'n',
            (byte)'\r' => 'r',
            (byte)'\t' => 't',
            _ => '\0',
        };
        output[0] = '\\';
        if (shortForm != '\0')
        {
            output[1] = shortForm;
            return 2;
        }

        output[1] = 'u';
        output[2] = '0';
        output[3] = '0';
        output[4] = "0123456789ABCDEF"[c >> 4];
        output[5] = "0123456789ABCDEF"[c & 0xF];
        return 6;
    }
}
