using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>Working-day arithmetic with the semantics of the spreadsheet functions NETWORKDAYS and WORKDAY.</summary>
[McpServerToolType]
internal static class BusinessDayTools
{
    private const int MaxSpanDays = 366 * 200;
    private const int MaxHolidays = 10_000;

    private const string HolidaysDescription = "Dates that are not working days, yyyy-MM-dd, e.g. ['2024-12-25','2025-01-01']. Optional.";
    private const string WeekendDescription = "Weekly days off, English day names, e.g. ['friday','saturday']. Default ['saturday','sunday'].";

    [McpServerTool(Name = "business_days_between", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Counts working days from start to end, both dates included (like the spreadsheet function NETWORKDAYS.INTL): days that are neither weekend days nor holidays. Negative when end is before start. Dates are calendar dates (yyyy-MM-dd), no time zone involved.")]
    public static BusinessDayCount Between(
        [Description("First date, yyyy-MM-dd, included.")] string start,
        [Description("Last date, yyyy-MM-dd, included.")] string end,
        [Description(HolidaysDescription)] string[]? holidays = null,
        [Description(WeekendDescription)] string[]? weekend = null)
    {
        var from = TimeParsing.Date(start, nameof(start));
        var to = TimeParsing.Date(end, nameof(end));
        var off = Holidays(holidays);
        var weekendDays = Weekend(weekend);
        int sign = to < from ? -1 : 1;
        if (sign < 0)
        {
            (from, to) = (to, from);
        }

        if (to.DayNumber - from.DayNumber > MaxSpanDays)
        {
            ToolError.Throw($"The range spans more than {MaxSpanDays:N0} days (200 years); use a shorter range.");
        }

        int working = 0;
        int calendar = 0;
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            calendar++;
            if (!weekendDays.Contains(day.DayOfWeek) && !off.Contains(day))
            {
                working++;
            }
        }

        return new BusinessDayCount(sign * working, sign * calendar);
    }

    [McpServerTool(Name = "business_days_add", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Returns the date that is a number of working days after (or, negative, before) a start date, skipping weekend days and holidays (like the spreadsheet function WORKDAY.INTL). The start date itself is not counted; 0 returns the start date.")]
    public static BusinessDayResult Add(
        [Description("Start date, yyyy-MM-dd.")] string start,
        [Description("Working days to move, -50000 to 50000; negative moves backwards.")] int days,
        [Description(HolidaysDescription)] string[]? holidays = null,
        [Description(WeekendDescription)] string[]? weekend = null)
    {
        var date = TimeParsing.Date(start, nameof(start));
        Limits.RequireRange(days, nameof(days), -50_000, 50_000);
        var off = Holidays(holidays);
        var weekendDays = Weekend(weekend);
        int step = days < 0 ? -1 : 1;
        try
        {
            for (int remaining = System.Math.Abs(days); remaining > 0;)
            {
                date = date.AddDays(step);
                if (!weekendDays.Contains(date.DayOfWeek) && !off.Contains(date))
                {
                    remaining--;
                }
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            ToolError.Throw("The result falls outside years 1 to 9999.");
        }

        return new BusinessDayResult(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), date.DayOfWeek.ToString());
    }

    private static HashSet<DateOnly> Holidays(string[]? holidays)
    {
        if (holidays is { Length: > MaxHolidays })
        {
            ToolError.Throw($"At most {MaxHolidays:N0} holidays may be given; {holidays.Length:N0} were.");
        }

        return [.. (holidays ?? []).Select(h => TimeParsing.Date(h, nameof(holidays)))];
    }

    private static HashSet<DayOfWeek> Weekend(string[]? weekend)
    {
        if (weekend is null)
        {
            return [DayOfWeek.Saturday, DayOfWeek.Sunday];
        }

        var days = new HashSet<DayOfWeek>();
        foreach (string name in weekend)
        {
            if (!Enum.TryParse<DayOfWeek>(name?.Trim(), ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(name, CultureInfo.InvariantCulture, out _))
            {
                ToolError.Throw($"'{name}' in 'weekend' is not a day name. Use monday, tuesday, wednesday, thursday, friday, saturday or sunday.");
            }

            days.Add(day);
        }

        return days.Count == 7 ? ToolError.Throw<HashSet<DayOfWeek>>("'weekend' names all seven days: there would be no working days.") : days;
    }
}

/// <summary>Working days in a date range.</summary>
/// <param name="BusinessDays">Working days in the range, both ends included; negative when end is before start.</param>
/// <param name="CalendarDays">All days in the range, both ends included.</param>
internal sealed record BusinessDayCount(int BusinessDays, int CalendarDays);

/// <summary>A date reached by counting working days.</summary>
/// <param name="Date">The date, yyyy-MM-dd.</param>
/// <param name="DayOfWeek">Its day of the week.</param>
internal sealed record BusinessDayResult(string Date, string DayOfWeek);
