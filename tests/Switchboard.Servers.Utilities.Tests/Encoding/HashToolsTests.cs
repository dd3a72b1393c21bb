namespace Switchboard.Servers.Utilities.Tests;

public sealed class HashToolsTests
{
    [Theory]
    // FIPS 180-2 Appendix B / RFC 1321 §A.5 test vectors for "abc" and "".
    [InlineData("sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("sha384", "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")]
    [InlineData("sha512", "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")]
    [InlineData("sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("md5", "abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("md5", "", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Hash_KnownVector_Matches(string algorithm, string input, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("hash", new { input, algorithm });
        Assert.Equal(expected, result.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Hash_Sha256_KnownVector_Matches()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("hash", new { input = "abc" });
        Assert.Equal("sha256", result.GetProperty("algorithm").GetString());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", result.GetProperty("digest").GetString());
        Assert.False(result.TryGetProperty("warning", out _));
    }

    [Fact]
    public async Task Hash_Md5_FlaggedNonCryptographic()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("hash", new { input = "abc", algorithm = "md5" });
        Assert.Contains("non-cryptographic", result.GetProperty("warning").GetString(), StringComparison.Ordinal);

        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("NOT cryptographically secure", tools.Single(t => t.Name == "hash").Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_HexInputBase64Output_Matches()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("hash", new { input = "61 62 63", inputEncoding = "hex", outputEncoding = "base64" });
        Assert.Equal("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", result.GetProperty("digest").GetString());
    }

    [Theory]
    [InlineData("zz", "hex", "not valid hex")]
    [InlineData("abc", "hex", "odd number of digits")]
    [InlineData("@@@@", "base64", "not valid base64")]
    public async Task Hash_InvalidInputEncoding_ReturnsToolError(string input, string inputEncoding, string message)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains(message, await mcp.ErrorAsync("hash", new { input, inputEncoding }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_UnknownAlgorithm_ReturnsToolErrorListingChoices()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hash", new { input = "abc", algorithm = "sha3" });
        Assert.Contains("'algorithm' must be one of", error, StringComparison.Ordinal);
        Assert.Contains("'sha256'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_OversizedInput_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hash", new { input = new string('a', (1024 * 1024) + 1) });
        Assert.Contains("the limit is 1,048,576", error, StringComparison.Ordinal);
    }

    [Theory]
    // RFC 4231 test case 1 (key 0x0b × 20, "Hi There") and test case 2 (key "Jefe").
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "hex", "Hi There", "sha256", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "hex", "Hi There", "sha512", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    [InlineData("Jefe", "utf8", "what do ya want for nothing?", "sha256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("Jefe", "utf8", "what do ya want for nothing?", "sha384", "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")]
    // RFC 2202 test case 2 for HMAC-MD5 and HMAC-SHA1.
    [InlineData("Jefe", "utf8", "what do ya want for nothing?", "md5", "750c783e6ab0b503eaa86e310a5db738")]
    [InlineData("Jefe", "utf8", "what do ya want for nothing?", "sha1", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")]
    public async Task Hmac_RfcVector_Matches(string key, string keyEncoding, string message, string algorithm, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("hmac", new { key, keyEncoding, message, algorithm });
        Assert.Equal(expected, result.GetProperty("mac").GetString());
    }

    [Fact]
    public async Task Hmac_InvalidKeyHex_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'key' is not valid hex", await mcp.ErrorAsync("hmac", new { key = "xyz0", keyEncoding = "hex", message = "m" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hmac_MissingMessage_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'message' is required", await mcp.ErrorAsync("hmac", new { key = "k" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_UndefinedNumberForEnum_ReturnsToolErrorNamingArgument()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hash", new { input = "a", inputEncoding = 7 });
        Assert.Contains("'inputEncoding' must be one of 'utf8', 'hex', 'base64'; got 7.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_FractionalNumberForEnum_ReturnsToolErrorListingNames()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hash", new { input = "a", inputEncoding = 1.5 });
        Assert.Contains("'utf8', 'hex', 'base64'", error, StringComparison.Ordinal);
        Assert.Contains("1.5", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hmac_UndefinedNumberForEnum_ReturnsToolErrorNamingArgument()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hmac", new { key = "k", message = "m", messageEncoding = 3 });
        Assert.Contains("'messageEncoding' must be one of 'utf8', 'hex', 'base64'; got 3.", error, StringComparison.Ordinal);
    }
}
