namespace Switchboard.Servers.Utilities.Tests;

public sealed class EncodingToolsTests
{
    [Theory]
    // RFC 4648 §10 test vectors.
    [InlineData("", "")]
    [InlineData("f", "Zg==")]
    [InlineData("fo", "Zm8=")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg==")]
    [InlineData("fooba", "Zm9vYmE=")]
    [InlineData("foobar", "Zm9vYmFy")]
    public async Task Base64_Rfc4648Vectors_RoundTrip(string text, string encoded)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(encoded, await mcp.TextAsync("encode", new { text, encoding = "base64" }));
        Assert.Equal(text, await mcp.TextAsync("decode", new { text = encoded, encoding = "base64" }));
    }

    [Fact]
    public async Task Hex_Rfc4648Vector_RoundTrips()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("666f6f626172", await mcp.TextAsync("encode", new { text = "foobar", encoding = "hex" }));
        Assert.Equal("foobar", await mcp.TextAsync("decode", new { text = "66:6F:6F:62:61:72", encoding = "hex" }));
    }

    [Fact]
    public async Task Base64Url_UsesUrlSafeAlphabetWithoutPadding()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("PDw_Pz8-Pg", await mcp.TextAsync("encode", new { text = "<<???>>", encoding = "base64url" }));
        Assert.Equal("<<???>>", await mcp.TextAsync("decode", new { text = "PDw_Pz8-Pg", encoding = "base64url" }));
        Assert.Equal("<<???>>", await mcp.TextAsync("decode", new { text = "PDw/Pz8+Pg==", encoding = "base64" }));
    }

    [Fact]
    public async Task Url_EncodesReservedAndNonAscii()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("a%20b%26c%3Dd%2F%C3%A9~", await mcp.TextAsync("encode", new { text = "a b&c=d/é~", encoding = "url" }));
        Assert.Equal("a b&c=d/é~", await mcp.TextAsync("decode", new { text = "a%20b%26c%3Dd%2F%C3%A9~", encoding = "url" }));
        Assert.Equal("a b", await mcp.TextAsync("decode", new { text = "a+b", encoding = "url", plusAsSpace = true }));
    }

    [Fact]
    public async Task Decode_BinaryBase64_AsHex()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("fbff", await mcp.TextAsync("decode", new { text = "-_8", encoding = "base64url", asHex = true }));
    }

    [Fact]
    public async Task Decode_BinaryAsText_ReturnsToolErrorSuggestingHex()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("decode", new { text = "+/8=", encoding = "base64" });
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Contains("asHex", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%ff", "ff")]
    [InlineData("%e2%82", "e282")]
    [InlineData("a%E2%82%ACb", "61e282ac62")]
    public async Task DecodeUrl_AsHex_ReturnsTheEscapedBytes(string text, string hex)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(hex, await mcp.TextAsync("decode", new { text, encoding = "url", asHex = true }));
    }

    [Theory]
    [InlineData("%ff")]
    [InlineData("%e2%82")]
    public async Task DecodeUrl_EscapesThatAreNotUtf8_ReturnsToolErrorSuggestingHex(string text)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("decode", new { text, encoding = "url" });
        Assert.Contains("not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Contains("asHex", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecodeUrl_MixedTextAndEscapes_DecodesBoth()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal("café € 1+1", await mcp.TextAsync("decode", new { text = "caf%C3%A9+%E2%82%AC%201%2B1", encoding = "url", plusAsSpace = true }));
    }

    [Theory]
    [InlineData("base64", "abc$", "not valid base64")]
    [InlineData("base64", "a", "cannot encode whole bytes")]
    [InlineData("hex", "0g", "not valid hex")]
    [InlineData("url", "100%", "not valid percent-encoding")]
    public async Task Decode_Malformed_ReturnsToolError(string encoding, string text, string message)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains(message, await mcp.ErrorAsync("decode", new { text, encoding }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encode_UnknownEncoding_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'encoding' must be one of", await mcp.ErrorAsync("encode", new { text = "x", encoding = "rot13" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("encode", "hi", 99)]
    [InlineData("encode", "hi", -1)]
    [InlineData("decode", "aGk=", 99)]
    public async Task EncodingGivenUndefinedNumber_ReturnsToolErrorListingNames(string tool, string text, int encoding)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync(tool, new { text, encoding });
        Assert.Contains($"'encoding' must be one of 'base64', 'base64url', 'hex', 'url'; got {encoding}.", error, StringComparison.Ordinal);
    }
}
