namespace Switchboard.Servers.Utilities.Tests;

public sealed class DiffToolsTests
{
    [Fact]
    public async Task Diff_OneLineChanged_ProducesUnifiedHunk()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("text_diff", new { original = "a\nb\nc\n", modified = "a\nB\nc\n", originalName = "x.txt", modifiedName = "x.txt" });

        Assert.False(result.GetProperty("identical").GetBoolean());
        Assert.Equal(1, result.GetProperty("linesAdded").GetInt32());
        Assert.Equal(1, result.GetProperty("linesRemoved").GetInt32());
        string unified = result.GetProperty("unified").GetString()!.ReplaceLineEndings("\n");
        Assert.StartsWith("--- x.txt\n+++ x.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c", unified, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_IdenticalTexts_ReportsIdentical()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("text_diff", new { original = "same\n", modified = "same\n" });
        Assert.True(result.GetProperty("identical").GetBoolean());
    }

    [Fact]
    public async Task Diff_IgnoreCase_TreatsCaseOnlyChangesAsEqual()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("text_diff", new { original = "Hello\n", modified = "hello\n", ignoreCase = true });
        Assert.True(result.GetProperty("identical").GetBoolean());
    }

    [Fact]
    public async Task Diff_TooManyLines_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string big = string.Concat(Enumerable.Repeat("x\n", 20_000));
        Assert.Contains("the limit is 10,000", await mcp.ErrorAsync("text_diff", new { original = big, modified = "x" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_NegativeContext_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'contextLines' must be between 0 and 100", await mcp.ErrorAsync("text_diff", new { original = "a", modified = "b", contextLines = -1 }), StringComparison.Ordinal);
    }
}
