namespace Switchboard.Servers.Utilities.Tests;

public sealed class TextToolsTests
{
    [Fact]
    public async Task TextCount_Prose_CountsWordsSentencesLines()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("text_count", new { text = "Hello, world! How are you?\nI'm fine — well-rested.\n\nNew paragraph." });

        Assert.Equal(10, result.GetProperty("words").GetInt32());
        Assert.Equal(4, result.GetProperty("sentences").GetInt32());
        Assert.Equal(4, result.GetProperty("lines").GetInt32());
        Assert.Equal(2, result.GetProperty("paragraphs").GetInt32());
        Assert.True(result.GetProperty("estimatedTokens").GetInt32() > 0);
    }

    [Fact]
    public async Task TextCount_Emoji_CountsGraphemesCodePointsUnitsBytes()
    {
        await using var mcp = await Tools.ConnectAsync();
        // U+1F44D THUMBS UP + U+1F3FD skin tone modifier: one grapheme, two code points, four UTF-16 units, eight UTF-8 bytes.
        var result = await mcp.JsonAsync("text_count", new { text = "\U0001F44D\U0001F3FD" });

        Assert.Equal(1, result.GetProperty("characters").GetInt32());
        Assert.Equal(2, result.GetProperty("codePoints").GetInt32());
        Assert.Equal(4, result.GetProperty("utf16Units").GetInt32());
        Assert.Equal(8, result.GetProperty("utf8Bytes").GetInt32());
    }

    [Fact]
    public async Task TextCount_Oversized_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("the limit is 1,048,576", await mcp.ErrorAsync("text_count", new { text = new string('a', 1_100_000) }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Crème Brûlée: 10 Best Recipes!", "-", 0, "creme-brulee-10-best-recipes")]
    [InlineData("  Straße & Smørrebrød  ", "_", 0, "strasse_smorrebrod")]
    [InlineData("The quick brown fox jumps", "-", 15, "the-quick-brown")]
    public async Task Slugify_Examples_Match(string text, string separator, int maxLength, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(expected, await mcp.TextAsync("slugify", new { text, separator, maxLength }));
    }

    [Fact]
    public async Task Slugify_NoLettersOrDigits_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("no letters or digits", await mcp.ErrorAsync("slugify", new { text = "!!! ???" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slugify_BadSeparator_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'separator' must be", await mcp.ErrorAsync("slugify", new { text = "a b", separator = "/" }), StringComparison.Ordinal);
    }
}
