using System.Text.Json;
using System.Text.Json.Serialization;
using LibCni.Config;
using LibCni.Types;

namespace LibCni.Json;

/// <summary>Source-generated JSON for the spec types; no reflection anywhere.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    Converters = [typeof(IpAddressJsonConverter), typeof(CidrAddressJsonConverter)])]
[JsonSerializable(typeof(Result020))]
[JsonSerializable(typeof(Result040))]
[JsonSerializable(typeof(Result100))]
[JsonSerializable(typeof(CniError))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(NetConf))]
[JsonSerializable(typeof(Route))]
[JsonSerializable(typeof(Dns))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
public sealed partial class CniJsonContext : JsonSerializerContext
{
}
