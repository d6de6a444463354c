using System.Text;

namespace LibCni.Netfilter;

/// <summary>
/// Names and comments that tag firewall state with its owner, computed as the reference computes them so
/// the two implementations recognise each other's rules on one host.
/// </summary>
public static class RuleTags
{
    /// <summary>nftables comments hold at most 128 bytes.</summary>
    public const int MaxCommentLength = 128;

    /// <summary>iptables chain names hold at most 28 characters.</summary>
    public const int MaxChainLength = 28;

    /// <summary><paramref name="prefix"/> plus lowercase hex of SHA-512(<paramref name="text"/>), cut to <paramref name="length"/>.</summary>
    public static string Hash(int length, string prefix, string text)
    {
        var hex = Convert.ToHexStringLower(Sha512.HashData(Encoding.UTF8.GetBytes(text)));
        return (prefix + hex)[..length];
    }

    /// <summary>The per-container iptables chain, e.g. <c>CNI-</c> + 24 hex digits of SHA-512(network + containerID).</summary>
    public static string ChainName(string prefix, string network, string containerId) => Hash(MaxChainLength, prefix, network + containerId);

    /// <summary>Cuts a comment to the nftables limit on a UTF-8 character boundary.</summary>
    public static string TruncateComment(string comment)
    {
        if (Encoding.UTF8.GetByteCount(comment) <= MaxCommentLength)
        {
            return comment;
        }

        var length = comment.Length;
        while (Encoding.UTF8.GetByteCount(comment.AsSpan(0, length)) > MaxCommentLength)
        {
            length--;
        }

        return comment[..length];
    }
}
