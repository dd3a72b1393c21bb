using Switchboard.Access.Identity;

namespace Switchboard.Access.Tests.Identity;

/// <summary>The key format's in-place reading and the secret comparison the remembered keys rely on.</summary>
public sealed class ApiKeyFormatTests
{
    private const string Key = "sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret1";

    [Theory]
    [InlineData(Key)]
    [InlineData("sbk_short")]
    [InlineData("")]
    [InlineData("sbk_LoadTestKey1-LoadTestSecretLoadTestSecretLoadTestSecret1")]
    [InlineData("sbk_LoadTest-ey1_LoadTestSecretLoadTestSecretLoadTestSecret1")]
    [InlineData("sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret-")]
    [InlineData("sbk_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret12")]
    [InlineData("SBK_LoadTestKey1_LoadTestSecretLoadTestSecretLoadTestSecret1")]
    public void TryParse_InPlace_AgreesWithTheCopyingForm(string text)
    {
        bool copied = ApiKeyFormat.TryParse(text, out var prefix, out var secret);

        bool inPlace = ApiKeyFormat.TryParse(text.AsSpan(), out var prefixSpan, out var secretSpan);

        Assert.Equal(copied, inPlace);
        if (copied)
        {
            Assert.Equal(prefix, prefixSpan.ToString());
            Assert.Equal(secret, secretSpan.ToString());
        }
    }

    [Fact]
    public void TryParse_InPlace_ReadsAKeyInsideALargerText()
    {
        string header = $"Bearer {Key}  ";

        Assert.True(ApiKeyFormat.TryParse(header.AsSpan(7, Key.Length), out var prefix, out var secret));
        Assert.Equal(("sbk_LoadTestKey1", "LoadTestSecretLoadTestSecretLoadTestSecret1"), (prefix.ToString(), secret.ToString()));
        Assert.False(ApiKeyFormat.TryParse(header.AsSpan(7, Key.Length + 1), out _, out _));
    }

    [Theory]
    [InlineData("LoadTestSecretLoadTestSecretLoadTestSecret2")] // the last character
    [InlineData("MoadTestSecretLoadTestSecretLoadTestSecret1")] // the first
    [InlineData("loadTestSecretLoadTestSecretLoadTestSecret1")] // only the case
    [InlineData("LoadTestSecretLoadTestSecretLoadTestSecret")] // one shorter
    [InlineData("")]
    public void SameSecret_RefusesAnyOtherSecret(string other) =>
        Assert.False(ApiKeyFormat.SameSecret(other, "LoadTestSecretLoadTestSecretLoadTestSecret1"));

    [Fact]
    public void SameSecret_AcceptsTheSameSecret_AndAgreesWithTheStoredHash()
    {
        const string Secret = "LoadTestSecretLoadTestSecretLoadTestSecret1";

        Assert.True(ApiKeyFormat.SameSecret(new string(Secret.AsSpan()), Secret));
        Assert.True(ApiKeyFormat.Matches(Secret, ApiKeyFormat.Hash(Secret)));
    }
}
