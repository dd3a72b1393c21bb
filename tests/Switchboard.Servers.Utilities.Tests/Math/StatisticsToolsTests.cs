namespace Switchboard.Servers.Utilities.Tests;

public sealed class StatisticsToolsTests
{
    [Fact]
    public async Task Statistics_TextbookSample_Summarizes()
    {
        await using var mcp = await Tools.ConnectAsync();
        // The classic example (Wikipedia, "Standard deviation"): mean 5, population standard deviation 2.
        var result = await mcp.JsonAsync("statistics_summary", new { values = new[] { 2, 4, 4, 4, 5, 5, 7, 9 } });

        Assert.Equal(8, result.GetProperty("count").GetInt32());
        Assert.Equal(5, result.GetProperty("mean").GetDouble());
        Assert.Equal(4.5, result.GetProperty("median").GetDouble());
        Assert.Equal(2, result.GetProperty("populationStandardDeviation").GetDouble(), 12);
        Assert.Equal(32.0 / 7, result.GetProperty("sampleVariance").GetDouble(), 12);
        Assert.Equal([4.0], result.GetProperty("modes").EnumerateArray().Select(m => m.GetDouble()));
        Assert.Equal(7, result.GetProperty("range").GetDouble());
    }

    [Fact]
    public async Task Statistics_Quartiles_MatchQuartileInc()
    {
        await using var mcp = await Tools.ConnectAsync();
        // Microsoft's QUARTILE.INC documentation example: {1,2,4,7,8,9,10,12}, first quartile 3.5.
        var result = await mcp.JsonAsync("statistics_summary", new { values = new[] { 1, 2, 4, 7, 8, 9, 10, 12 }, percentiles = new[] { 90 } });
        Assert.Equal(3.5, result.GetProperty("q1").GetDouble(), 12);
        Assert.Equal(9.25, result.GetProperty("q3").GetDouble(), 12);
        Assert.Equal(10.6, result.GetProperty("percentiles")[0].GetProperty("value").GetDouble(), 12);
    }

    [Fact]
    public async Task Statistics_SingleValue_OmitsSampleVariance()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("statistics_summary", new { values = new[] { 42 } });
        Assert.False(result.TryGetProperty("sampleVariance", out _));
        Assert.Equal(0, result.GetProperty("populationVariance").GetDouble());
    }

    [Fact]
    public async Task Statistics_Empty_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'values' is empty", await mcp.ErrorAsync("statistics_summary", new { values = Array.Empty<double>() }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_PercentileOutOfRange_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("each from 0 to 100", await mcp.ErrorAsync("statistics_summary", new { values = new[] { 1, 2 }, percentiles = new[] { 150 } }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_NonNumber_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'values' item 1 must be a number", await mcp.ErrorAsync("statistics_summary", new { values = new object[] { 1, "two" } }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_SumBeyondDoublePrecision_ReturnsOverflowError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("statistics_summary", new { values = new[] { 1e308, 1e308 } });
        Assert.Contains("overflow double precision", error, StringComparison.Ordinal);
    }
}
