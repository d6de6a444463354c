using System.Text;
using LibCni.Netfilter;
using Xunit;

namespace LibCni.Tests;

public class Sha512Tests
{
    // FIPS 180-4 examples (NIST CSRC "SHA512.pdf") plus the empty message and the one-million-'a' message.
    [Theory]
    [InlineData("", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    [InlineData("abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")]
    public void Matches_the_FIPS_180_4_examples(string message, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Sha512.HashData(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void Hashes_one_million_a() =>
        Assert.Equal("e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
            Convert.ToHexStringLower(Sha512.HashData(Encoding.ASCII.GetBytes(new string('a', 1_000_000)))));

    // Every padding case: lengths around the 112-byte boundary where the length field spills into a second block.
    [Fact]
    public void Agrees_with_the_platform_hash_for_every_length_up_to_three_blocks()
    {
        var random = new Random(14);
        for (var length = 0; length <= 3 * 128 + 1; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(System.Security.Cryptography.SHA512.HashData(data), Sha512.HashData(data));
        }
    }

    [Fact]
    public void Chain_names_keep_the_reference_format() =>
        Assert.Equal("CNI-70a29d9dc18bc4d652ea5d59", RuleTags.ChainName("CNI-", "mynet", "abc123"));
}

public class KernelRandomTests
{
    [Fact]
    public void Gives_lowercase_hex_of_the_asked_length_and_differs_between_calls()
    {
        var names = Enumerable.Range(0, 8).Select(_ => LibCni.Kernel.KernelRandom.Hex(4)).ToList();
        Assert.All(names, n => Assert.Matches("^[0-9a-f]{8}$", n));
        Assert.True(names.Distinct().Count() > 1);
    }
}
