using System.Text.Json;
using LibCni.Json;
using LibCni.Types;

namespace LibCni.Config;

/// <summary>An attachment GC must keep: (containerID, ifname).</summary>
public readonly record struct GcAttachment(string ContainerId, string IfName);

/// <summary>The valid-attachment list a GC request carries.</summary>
public static class GcAttachments
{
    /// <summary>
    /// <c>cni.dev/valid-attachments</c> (or the older <c>cni.dev/attachments</c>). Null when neither key is
    /// present (nothing may be collected); JSON null counts as an empty list, because that is how the
    /// reference runtime library sends "no valid attachments".
    /// </summary>
    public static IReadOnlyList<GcAttachment>? Parse(byte[] stdin)
    {
        using (var doc = CniJson.ParseDocument(stdin, "failed to parse network configuration"))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var key in new[] { "cni.dev/valid-attachments", "cni.dev/attachments" })
            {
                if (!doc.RootElement.TryGetProperty(key, out var list))
                {
                    continue;
                }

                if (list.ValueKind == JsonValueKind.Null)
                {
                    return [];
                }

                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new CniException(CniErrorCode.DecodingFailure, $"failed to parse {key}: expected an array, got {list.ValueKind.ToString().ToLowerInvariant()}");
                }

                var attachments = new List<GcAttachment>();
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        var attachment = JsonFields.Of(item, $"failed to parse {key}", $"[{index}].");
                        attachments.Add(new GcAttachment(attachment.String("containerID") ?? "", attachment.String("ifname") ?? ""));
                    }

                    index++;
                }

                return attachments;
            }

            return null;
        }
    }
}
