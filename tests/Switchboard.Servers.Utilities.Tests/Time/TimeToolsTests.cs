namespace Switchboard.Servers.Utilities.Tests;

public sealed class TimeToolsTests
{
    [Fact]
    public async Task TimeNow_Utc_ReturnsClockInstant()
    {
        await using var mcp = await Tools.ConnectAsync();
        var now = await mcp.JsonAsync("time_now");

        Assert.Equal("2024-03-10T12:34:56.789Z", now.GetProperty("utc").GetString());
        Assert.Equal(Tools.Now.ToUnixTimeSeconds(), now.GetProperty("unixSeconds").GetInt64());
        Assert.Equal("Sunday", now.GetProperty("dayOfWeek").GetString());
        Assert.Equal("2024-W10-7", now.GetProperty("isoWeek").GetString());
    }

    [Fact]
    public async Task TimeNow_NewYorkOnDstStartDay_UsesDaylightOffset()
    {
        await using var mcp = await Tools.ConnectAsync();
        // US DST began 2024-03-10 at 02:00 local (07:00Z); 12:34Z is 08:34 EDT.
        var now = await mcp.JsonAsync("time_now", new { timeZone = "America/New_York" });

        Assert.Equal("2024-03-10T08:34:56.789-04:00", now.GetProperty("local").GetString());
        Assert.True(now.GetProperty("isDaylightSavingTime").GetBoolean());
        Assert.Equal("-04:00", now.GetProperty("utcOffset").GetString());
    }

    [Fact]
    public async Task TimeNow_UnknownZone_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("Unknown time zone 'Mars/Olympus'", await mcp.ErrorAsync("time_now", new { timeZone = "Mars/Olympus" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-03-10T14:30:00Z", "UTC", "2024-03-10T14:30:00+00:00")]
    [InlineData("2024-03-10T14:30:00+01:00", "UTC", "2024-03-10T13:30:00+00:00")]
    [InlineData("2024-07-01 09:00", "Europe/Paris", "2024-07-01T09:00:00+02:00")]
    [InlineData("2024-01-15", "Asia/Tokyo", "2024-01-15T00:00:00+09:00")]
    [InlineData("1700000000", "UTC", "2023-11-14T22:13:20+00:00")]
    [InlineData("Sun, 10 Mar 2024 12:00:00 GMT", "UTC", "2024-03-10T12:00:00+00:00")]
    public async Task TimeParse_CommonForms_Parse(string timestamp, string timeZone, string local)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(local, (await mcp.JsonAsync("time_parse", new { timestamp, timeZone })).GetProperty("local").GetString());
    }

    [Fact]
    public async Task TimeParse_CustomFormat_Parses()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_parse", new { timestamp = "10/03/2024 14:05", format = "dd/MM/yyyy HH:mm", timeZone = "Europe/London" });
        Assert.Equal("2024-03-10T14:05:00+00:00", result.GetProperty("local").GetString());
    }

    [Fact]
    public async Task TimeParse_SkippedByDst_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_parse", new { timestamp = "2024-03-10 02:30", timeZone = "America/New_York" });
        Assert.Contains("does not exist in America/New_York", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeParse_Garbage_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not a recognised timestamp", await mcp.ErrorAsync("time_parse", new { timestamp = "next tuesday-ish" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dddd, MMMM d yyyy", "Sunday, March 10 2024")]
    [InlineData("iso", "2024-03-10T12:34:56+00:00")]
    [InlineData("unix", "1710074096")]
    [InlineData("rfc1123", "Sun, 10 Mar 2024 12:34:56 GMT")]
    [InlineData("date", "2024-03-10")]
    public async Task TimeFormat_Formats(string format, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Equal(expected, await mcp.TextAsync("time_format", new { timestamp = "2024-03-10T12:34:56Z", format }));
    }

    [Fact]
    public async Task TimeFormat_UnknownCulture_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("Unknown culture", await mcp.ErrorAsync("time_format", new { timestamp = "2024-03-10", format = "D", culture = "xx-NOPE" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeConvert_NewYorkToTokyo_ShiftsThirteenHoursInSummer()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_convert", new { timestamp = "2024-07-01 09:00", fromTimeZone = "America/New_York", toTimeZone = "Asia/Tokyo" });
        Assert.Equal("2024-07-01T22:00:00+09:00", result.GetProperty("local").GetString());
        Assert.Equal("2024-07-01T13:00:00Z", result.GetProperty("utc").GetString());
    }

    [Fact]
    public async Task TimeConvert_UnknownTargetZone_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'toTimeZone'", await mcp.ErrorAsync("time_convert", new { timestamp = "2024-07-01", toTimeZone = "Europe/Atlantis" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z", "Pacific/Kiritimati")]
    [InlineData("0001-01-01T00:00:00Z", "America/Los_Angeles")]
    public async Task TimeConvert_LocalTimeOutsideYears1To9999_ReturnsRangeErrorInsteadOfClamping(string timestamp, string toTimeZone)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_convert", new { timestamp, toTimeZone });
        Assert.Contains("falls outside years 1 to 9999", error, StringComparison.Ordinal);
        Assert.Contains(toTimeZone, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-01-31", "P1M", false, "UTC", "2024-02-29T00:00:00+00:00")]
    [InlineData("2024-03-01", "P1D", true, "UTC", "2024-02-29T00:00:00+00:00")]
    [InlineData("2024-03-09 12:00", "P1D", false, "America/New_York", "2024-03-10T12:00:00-04:00")]
    [InlineData("2024-03-09 12:00", "PT24H", false, "America/New_York", "2024-03-10T13:00:00-04:00")]
    [InlineData("2024-03-10T00:00:00Z", "P1Y2M3DT4H5M6.5S", false, "UTC", "2025-05-13T04:05:06.5+00:00")]
    [InlineData("2024-03-10T00:00:00Z", "-P2W", false, "UTC", "2024-02-25T00:00:00+00:00")]
    public async Task TimeAdd_Durations_FollowCalendarThenClock(string timestamp, string duration, bool subtract, string timeZone, string expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_add", new { timestamp, duration, subtract, timeZone });
        Assert.Equal(expected, result.GetProperty("local").GetString());
    }

    [Theory]
    [InlineData("1 day")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1H")]
    public async Task TimeAdd_InvalidDuration_ReturnsToolError(string duration)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("not an ISO 8601 duration", await mcp.ErrorAsync("time_add", new { timestamp = "2024-01-01", duration }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeDifference_ExactAndCalendar()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_difference", new { start = "2024-01-01T00:00:00Z", end = "2024-03-01T12:00:00Z" });

        Assert.Equal(60.5, result.GetProperty("totalDays").GetDouble());
        Assert.Equal("P60DT12H", result.GetProperty("iso").GetString());
        var calendar = result.GetProperty("calendar");
        Assert.Equal(2, calendar.GetProperty("months").GetInt32());
        Assert.Equal(0, calendar.GetProperty("days").GetInt32());
        Assert.Equal(12, calendar.GetProperty("hours").GetInt32());
    }

    [Fact]
    public async Task TimeDifference_EndBeforeStart_IsNegative()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("time_difference", new { start = "2024-01-02", end = "2024-01-01" });
        Assert.Equal(-86400, result.GetProperty("totalSeconds").GetDouble());
        Assert.Equal("-P1D", result.GetProperty("iso").GetString());
        Assert.Equal(-1, result.GetProperty("calendar").GetProperty("days").GetInt32());
    }

    [Fact]
    public async Task TimeDifference_InvalidStart_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'start'", await mcp.ErrorAsync("time_difference", new { start = "yesterday", end = "2024-01-01" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeConvert_LocalTimeWhoseUtcIsBeforeYearOne_ReturnsRangeError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_convert", new { timestamp = "0001-01-01T00:00:00", toTimeZone = "UTC", fromTimeZone = "Pacific/Kiritimati" });
        Assert.Contains("'timestamp'", error, StringComparison.Ordinal);
        Assert.Contains("outside years 1 to 9999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeDifference_EndsOfTheCalendarInFarZone_ReturnsRangeError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_difference", new { start = "0001-01-01", end = "9999-12-31", timeZone = "Pacific/Kiritimati" });
        Assert.Contains("'start'", error, StringComparison.Ordinal);
        Assert.Contains("outside years 1 to 9999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeFormat_DateOutsideCultureCalendar_ReturnsCalendarError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_format", new { timestamp = "0001-01-01T00:00:00Z", format = "yyyy", culture = "ar-SA" });
        Assert.Contains("calendar of 'ar-SA'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeParse_InvalidFormat_ReturnsFormatError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("time_parse", new { timestamp = "x", format = "%" });
        Assert.Contains("'format' ('%') is not a valid .NET date format", error, StringComparison.Ordinal);
    }
}
