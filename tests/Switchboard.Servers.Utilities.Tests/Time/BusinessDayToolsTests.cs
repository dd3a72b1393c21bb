namespace Switchboard.Servers.Utilities.Tests;

public sealed class BusinessDayToolsTests
{
    [Fact]
    public async Task BusinessDaysBetween_January2024_Counts23()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("business_days_between", new { start = "2024-01-01", end = "2024-01-31" });
        Assert.Equal(23, result.GetProperty("businessDays").GetInt32());
        Assert.Equal(31, result.GetProperty("calendarDays").GetInt32());
    }

    [Theory]
    // Microsoft's NETWORKDAYS documentation example: 10/1/2012 to 3/1/2013 is 110 workdays, 109 without 11/22/2012,
    // 107 without 11/22/2012, 12/4/2012 and 1/21/2013.
    [InlineData(new string[0], 110)]
    [InlineData(new[] { "2012-11-22" }, 109)]
    [InlineData(new[] { "2012-11-22", "2012-12-04", "2013-01-21" }, 107)]
    public async Task BusinessDaysBetween_NetworkdaysDocExample_Matches(string[] holidays, int expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("business_days_between", new { start = "2012-10-01", end = "2013-03-01", holidays });
        Assert.Equal(expected, result.GetProperty("businessDays").GetInt32());
    }

    [Fact]
    public async Task BusinessDaysBetween_CustomWeekend_Counts()
    {
        await using var mcp = await Tools.ConnectAsync();
        // 2024-03-03 (Sunday) to 2024-03-09 (Saturday) with a Friday-Saturday weekend: Sunday to Thursday work.
        var result = await mcp.JsonAsync("business_days_between", new { start = "2024-03-03", end = "2024-03-09", weekend = new[] { "friday", "Saturday" } });
        Assert.Equal(5, result.GetProperty("businessDays").GetInt32());
    }

    [Theory]
    // Microsoft's WORKDAY documentation example: 151 workdays after 10/1/2008 is 4/30/2009; with the holidays
    // 11/26/2008, 12/4/2008 and 1/21/2009 it is 5/5/2009.
    [InlineData(151, new string[0], "2009-04-30")]
    [InlineData(151, new[] { "2008-11-26", "2008-12-04", "2009-01-21" }, "2009-05-05")]
    public async Task BusinessDaysAdd_WorkdayDocExample_Matches(int days, string[] holidays, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("business_days_add", new { start = "2008-10-01", days, holidays });
        Assert.Equal(expected, result.GetProperty("date").GetString());
    }

    [Fact]
    public async Task BusinessDaysAdd_Negative_MovesBackOverWeekend()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("business_days_add", new { start = "2024-03-11", days = -1 });
        Assert.Equal("2024-03-08", result.GetProperty("date").GetString());
        Assert.Equal("Friday", result.GetProperty("dayOfWeek").GetString());
    }

    [Fact]
    public async Task BusinessDaysBetween_BadDate_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a date in the form yyyy-MM-dd", await mcp.ErrorAsync("business_days_between", new { start = "03/01/2024", end = "2024-03-09" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusinessDaysAdd_BadWeekendName_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a day name", await mcp.ErrorAsync("business_days_add", new { start = "2024-03-11", days = 1, weekend = new[] { "caturday" } }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusinessDaysAdd_AllDaysWeekend_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string[] weekend = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
        Assert.Contains("no working days", await mcp.ErrorAsync("business_days_add", new { start = "2024-03-11", days = 1, weekend }), StringComparison.Ordinal);
    }
}
