using System.Text;
using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace CniPlugins.Tuning;

/// <summary>
/// A link's values before ADD changed them, in the reference's file format (its <c>configToRestore</c>):
/// only the keys ADD changes, in the order mac, promisc, mtu, allmulti, txQLen, indented by one space. A node
/// can therefore switch between the reference and us with pods running, in either direction.
/// </summary>
public sealed class SavedLinkState
{
    public string? Mac { get; set; }

    public bool? Promisc { get; set; }

    /// <summary>0 (absent) means the MTU was not changed.</summary>
    public int Mtu { get; set; }

    public bool? Allmulti { get; set; }

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
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentSize = 1, Encoder = RelaxedEncoder.Instance }))
        {
            writer.WriteStartObject();
            if (Mac is not null)
            {
                writer.WriteString("mac", Mac);
            }

            if (Promisc is { } promisc)
            {
                writer.WriteBoolean("promisc", promisc);
            }

            if (Mtu != 0)
            {
                writer.WriteNumber("mtu", Mtu);
            }

            if (Allmulti is { } allmulti)
            {
                writer.WriteBoolean("allmulti", allmulti);
            }

            if (TxQLen is { } txQLen)
            {
                writer.WriteNumber("txQLen", txQLen);
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Parses a saved file; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static SavedLinkState FromJson(byte[] json)
    {
        try
        {
            var saved = JsonFields.Parse(json, "not a saved tuning state");
            return new SavedLinkState
            {
                Mac = saved.String("mac"),
                Promisc = saved.Bool("promisc"),
                Mtu = saved.Int32("mtu") ?? 0,
                Allmulti = saved.Bool("allmulti"),
                TxQLen = saved.Int32("txQLen"),
            };
        }
        catch (CniException e)
        {
            throw new InvalidDataException($"{e.Message}: {Encoding.UTF8.GetString(json)}", e);
        }
    }
}
