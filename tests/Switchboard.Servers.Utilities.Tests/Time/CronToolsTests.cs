namespace Switchboard.Servers.Utilities.Tests;

public sealed class CronToolsTests
{
    [Fact]
    public async Task CronNext_Weekdays_SkipsWeekend()
    {
        await using var mcp = await Tools.ConnectAsync();
        // 2024-03-08 is a Friday.
        var result = await mcp.JsonAsync("cron_next", new { expression = "0 9 * * MON-FRI", after = "2024-03-08T10:00:00Z", count = 3 });
        Assert.Equal(["2024-03-11T09:00:00+00:00", "2024-03-12T09:00:00+00:00", "2024-03-13T09:00:00+00:00"], result.GetProperty("occurrences").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task CronNext_DefaultsToNow()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("cron_next", new { expression = "*/15 * * * *", count = 2 });
        Assert.Equal(["2024-03-10T12:45:00+00:00", "2024-03-10T13:00:00+00:00"], result.GetProperty("occurrences").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task CronNext_TimeZone_FollowsDst()
    {
        await using var mcp = await Tools.ConnectAsync();
        // Europe/Berlin moves to CEST on 2024-03-31: 09:00 local is 08:00Z before and 07:00Z after.
        var result = await mcp.JsonAsync("cron_next", new { expression = "0 9 * * *", after = "2024-03-30T12:00:00Z", timeZone = "Europe/Berlin", count = 2 });
        Assert.Equal(["2024-03-31T09:00:00+02:00", "2024-04-01T09:00:00+02:00"], result.GetProperty("occurrences").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task CronNext_SixFields_IncludesSeconds()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("cron_next", new { expression = "30 * * * * *", after = "2024-01-01T00:00:00Z", count = 1 });
        Assert.Equal("2024-01-01T00:00:30+00:00", result.GetProperty("occurrences")[0].GetString());
    }

    [Fact]
    public async Task CronNext_InvalidExpression_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a valid cron expression", await mcp.ErrorAsync("cron_next", new { expression = "61 * * * *" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CronNext_CountTooLarge_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'count' must be between 1 and 1000", await mcp.ErrorAsync("cron_next", new { expression = "* * * * *", count = 5000 }), StringComparison.Ordinal);
    }
}
