namespace Switchboard.Servers.Utilities.Tests;

public sealed class RegexToolsTests
{
    [Fact]
    public async Task RegexMatch_NamedGroups_ReturnsMatchesAndGroups()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("regex_match", new { pattern = @"(?<year>\d{4})-(?<month>\d{2})", input = "from 2024-03 to 2025-11" });

        Assert.Equal(2, result.GetProperty("count").GetInt32());
        var second = result.GetProperty("matches")[1];
        Assert.Equal("2025-11", second.GetProperty("value").GetString());
        Assert.Equal(16, second.GetProperty("index").GetInt32());
        Assert.Equal("year", second.GetProperty("groups")[0].GetProperty("name").GetString());
        Assert.Equal("11", second.GetProperty("groups")[1].GetProperty("value").GetString());
    }

    [Fact]
    public async Task RegexMatch_Flags_IgnoreCaseAndMultiline()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("regex_match", new { pattern = "^abc$", input = "ABC\nabc", flags = "im" });
        Assert.Equal(2, result.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task RegexMatch_MaxMatches_Truncates()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("regex_match", new { pattern = "a", input = "aaaaa", maxMatches = 2 });
        Assert.Equal(2, result.GetProperty("count").GetInt32());
        Assert.True(result.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task RegexMatch_CatastrophicBacktracking_ReturnsTimeoutError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("regex_match", new { pattern = "^(x+x+)+y$", input = new string('x', 5000), timeoutMs = 100 });
        Assert.Contains("ran longer than its 100 ms limit", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegexReplace_NamedGroups_Rewrites()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("regex_replace", new { pattern = @"(?<y>\d{4})-(?<m>\d{2})", input = "2024-03 and 2025-11", replacement = "${m}/${y}" });
        Assert.Equal("03/2024 and 11/2025", result.GetProperty("result").GetString());
        Assert.Equal(2, result.GetProperty("replacements").GetInt32());
    }

    [Fact]
    public async Task RegexReplace_Count_LimitsReplacements()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("regex_replace", new { pattern = "o", input = "foo boo", replacement = "0", count = 2 });
        Assert.Equal("f00 boo", result.GetProperty("result").GetString());
    }

    [Fact]
    public async Task RegexReplace_CatastrophicBacktracking_ReturnsTimeoutError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("regex_replace", new { pattern = "(a|aa)+b", input = new string('a', 5000), replacement = "", timeoutMs = 100 });
        Assert.Contains("backtracks catastrophically", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegexMatch_InvalidPattern_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a valid .NET regular expression", await mcp.ErrorAsync("regex_match", new { pattern = "(unclosed", input = "x" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegexMatch_UnknownFlag_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("Unknown regex flag 'g'", await mcp.ErrorAsync("regex_match", new { pattern = "x", input = "x", flags = "g" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegexMatch_TimeoutOutOfRange_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'timeoutMs' must be between 1 and 5000", await mcp.ErrorAsync("regex_match", new { pattern = "x", input = "x", timeoutMs = 60_000 }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegexReplace_OverLongResult_StopsAtTheLimit_WithoutBuildingIt()
    {
        await using var mcp = await Tools.ConnectAsync();
        long before = GC.GetTotalAllocatedBytes(precise: true);

        // 200,000 matches × 4,096 characters would be an 819,200,000-character (1.6 GB) result.
        string error = await mcp.ErrorAsync("regex_replace", new { pattern = "a", input = new string('a', 200_000), replacement = new string('b', 4096), timeoutMs = 5000 });

        Assert.Contains("over the 4,194,304-character limit", error, StringComparison.Ordinal);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 200_000_000);
    }

    [Fact]
    public async Task RegexReplace_NegativeCount_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'count' must be -1", await mcp.ErrorAsync("regex_replace", new { pattern = "x", input = "x", replacement = "y", count = -5 }), StringComparison.Ordinal);
    }
}
