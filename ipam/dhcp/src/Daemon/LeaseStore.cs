using System.Text.Json;
using CniPlugins.Dhcp.Protocol;
using LibCni.Json;
using LibCni.Kernel;

namespace CniPlugins.Dhcp.Daemon;

/// <summary>
/// One JSON file per lease under the state directory, named by a hash of the client id: what a restarted daemon
/// needs to keep renewing the lease and to release it on DEL (the reference keeps all of this only in memory).
/// </summary>
public sealed class LeaseStore(string directory)
{
    public void Save(DhcpLease lease)
    {
        if (directory.Length == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var t = lease.Target;
        var json = CniJson.CompactBytes(w =>
        {
            w.WriteStartObject();
            w.WriteString("clientId", t.ClientId);
            w.WriteString("netns", t.Netns);
            w.WriteString("ifName", t.IfName);
            w.WriteString("args", t.CniArgs);
            w.WriteBase64String("config", t.StdinData);
            w.WriteBase64String("ack", lease.Current.Ack.Encode());
            w.WriteBase64String("serverMac", lease.Current.ServerMac);
            w.WriteNumber("acquired", lease.Current.Acquired.ToUnixTimeMilliseconds());
            w.WriteEndObject();
        });
        AtomicFile.Replace(PathOf(t.ClientId), json, UnixFileMode.UserRead | UnixFileMode.UserWrite, ".lease-", durable: false);
    }

    public void Delete(string clientId)
    {
        if (directory.Length > 0 && Directory.Exists(directory))
        {
            // No directory yet (nothing ever saved, e.g. DEL after a failed ADD): nothing to delete.
            File.Delete(PathOf(clientId));
        }
    }

    /// <summary>Every saved lease; a file that does not parse is logged and skipped.</summary>
    public List<(LeaseTarget Target, AckedLease Lease)> Load()
    {
        var leases = new List<(LeaseTarget, AckedLease)>();
        if (directory.Length == 0 || !Directory.Exists(directory))
        {
            return leases;
        }

        foreach (var file in Directory.GetFiles(directory, "*.json"))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                var root = doc.RootElement;
                var target = new LeaseTarget(root.GetProperty("clientId").GetString()!, root.GetProperty("netns").GetString()!,
                    root.GetProperty("ifName").GetString()!, root.GetProperty("config").GetBytesFromBase64(), root.GetProperty("args").GetString()!);
                var ack = DhcpPacket.Decode(root.GetProperty("ack").GetBytesFromBase64()) ?? throw new FormatException("bad DHCPACK");
                var acquired = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("acquired").GetInt64());
                leases.Add((target, new AckedLease(ack, root.GetProperty("serverMac").GetBytesFromBase64(), acquired)));
            }
            catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or IOException)
            {
                DaemonLog.Write($"ignoring lease file {file}: {e.Message}");
            }
        }

        return leases;
    }

    private string PathOf(string clientId) =>
        Path.Combine(directory, Convert.ToHexStringLower(LibCni.Netfilter.Sha512.HashData(System.Text.Encoding.UTF8.GetBytes(clientId)).AsSpan(0, 16)) + ".json");
}
