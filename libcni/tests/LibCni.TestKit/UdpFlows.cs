namespace LibCni.TestKit;

/// <summary>
/// Two throwaway namespaces joined by a veth (server 10.123.0.1, client 10.123.0.2) and UDP datagrams from the
/// client to the given ports, with a ct rule in the server's netns so its conntrack table holds one entry per port.
/// </summary>
public sealed class UdpFlows : IDisposable
{
    public UdpFlows(params int[] ports)
    {
        Server = TestNetns.Create("cnict");
        Client = TestNetns.Create("cnict");
        Shell.Run("ip", "link", "add", "cnitct0", "netns", Server.Name, "type", "veth", "peer", "name", "cnitct1", "netns", Client.Name);
        Server.Ip("addr", "add", "10.123.0.1/24", "dev", "cnitct0");
        Client.Ip("addr", "add", "10.123.0.2/24", "dev", "cnitct1");
        Server.Ip("link", "set", "cnitct0", "up");
        Client.Ip("link", "set", "cnitct1", "up");

        // A ct match makes the kernel track connections in the server's netns.
        Shell.Run("ip", "netns", "exec", Server.Name, "nft", "add table ip t; add chain ip t in { type filter hook input priority 0; }; add rule ip t in ct state new counter");
        foreach (var port in ports)
        {
            Shell.Exec("ip", ["netns", "exec", Client.Name, "sh", "-c", $"echo x | nc -u -w1 -q0 10.123.0.1 {port}"], null, null);
        }
    }

    public TestNetns Server { get; }

    public TestNetns Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
