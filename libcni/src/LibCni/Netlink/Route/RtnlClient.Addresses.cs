namespace LibCni.Netlink.Route;

/// <summary>Addresses: list, add, delete.</summary>
public sealed partial class RtnlClient
{
    /// <summary>Addresses of one family (or all), optionally of one link.</summary>
    public List<AddressInfo> ListAddresses(byte family = AddressFamily.Unspec, int? index = null) =>
        _client.Dump(() => RtnlRequests.DumpAddresses(family, index ?? 0), "RTM_GETADDR dump")
            .Where(m => m.Type == Rtm.NewAddr)
            .Select(AddressInfo.Parse)
            .Where(a => index is null || a.Index == index)
            .ToList();

    public void AddAddress(int index, Types.CidrAddress address, bool noDad) =>
        _client.Execute(RtnlRequests.NewAddress(index, address, noDad), $"RTM_NEWADDR {address} index {index}");

    public void DeleteAddress(int index, Types.CidrAddress address) =>
        _client.Execute(RtnlRequests.DeleteAddress(index, address), $"RTM_DELADDR {address} index {index}");
}
