using LibCni.Types;

namespace CniPlugins.Bridge;

/// <summary>Chooses the masquerade backend for a config.</summary>
public static class Masquerading
{
    public static IMasquerade For(BridgeConfig config) => throw new CniException(CniErrorCode.InvalidNetworkConfig,
        "ipMasq is not available in this build", $"ipMasqBackend={config.MasqBackend}");
}

/// <summary>MAC spoof check placeholder until the nftables layer lands.</summary>
public sealed class NftSpoofCheck : ISpoofCheck
{
    public void Setup(string hostVeth, string containerMac, string attachmentId) =>
        throw new CniException(CniErrorCode.InvalidNetworkConfig, "macspoofchk is not available in this build", "macspoofchk=true");

    public void Teardown(string attachmentId)
    {
    }
}
