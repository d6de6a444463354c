using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CniPlugins.Tuning;

/// <summary>
/// A link's values before ADD changed them, in the reference's file format (its <c>configToRestore</c>):
/// only the keys ADD changes, in the order mac, promisc, mtu, allmulti, txQLen, indented by one space. A node
/// can therefore switch between the reference and us with pods running, in either direction.
/// </summary>
public sealed class SavedLinkState
{
    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    [JsonPropertyName("promisc")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Promisc { get; set; }

    /// <summary>0 (absent) means the MTU was not changed.</summary>
    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Mtu { get; set; }

    [JsonPropertyName("allmulti")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Allmulti { get; set; }

    [JsonPropertyName("txQLen")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TxQLen { get; set; }

    /// <summary>The reference's file name under dataDir: <c>&lt;containerID&gt;_&lt;ifname&gt;.json</c>.</summary>
    public static string FileName(string containerId, string ifName) => containerId + "_" + ifName + ".json";

    /// <summary>Records the current values of exactly what <paramref name="config"/> is about to change.</summary>
    public static SavedLinkState Snapshot(TuningLink link, TuningConfig config) => new()
    {
        Mac = config.Mac is not null ? MacAddress.Format(link.Mac) : null,
        Promisc = config.Promisc ? link.Promisc : null,
        Mtu = config.Mtu != 0 ? link.Mtu : 0,
        Allmulti = config.Allmulti is not null ? link.Allmulti : null,
        TxQLen = config.TxQLen is not null ? link.TxQueueLength : null,
    };

    /// <summary>Go's json.MarshalIndent(v, "", " "): one-space indent, no trailing newline.</summary>
    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, this, TuningJsonContext.Default.SavedLinkState);
        }

        return stream.ToArray();
    }

    /// <summary>Parses a saved file; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static SavedLinkState FromJson(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TuningJsonContext.Default.SavedLinkState) ?? new SavedLinkState();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a saved tuning state: {e.Message}: {Encoding.UTF8.GetString(json)}", e);
        }
    }
}
