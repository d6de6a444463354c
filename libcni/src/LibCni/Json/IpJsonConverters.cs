using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using LibCni.Types;

namespace LibCni.Json;

/// <summary>Reads and writes an IP address as the reference does: a plain string, rejected when malformed.</summary>
public sealed class IpAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !IpText.TryParse(text, out var address))
        {
            throw new JsonException($"invalid IP address: {text ?? reader.TokenType.ToString()}");
        }

        return address;
    }

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(IpText.Format(value));
}

/// <summary>Reads and writes <c>address/prefix</c> with host bits kept.</summary>
public sealed class CidrAddressJsonConverter : JsonConverter<CidrAddress>
{
    public override CidrAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !CidrAddress.TryParse(text, out var cidr))
        {
            throw new JsonException($"invalid CIDR address: {text ?? reader.TokenType.ToString()}");
        }

        return cidr;
    }

    public override void Write(Utf8JsonWriter writer, CidrAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
