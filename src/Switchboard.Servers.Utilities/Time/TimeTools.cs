using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>Clock, parsing, formatting, time zone conversion and duration arithmetic.</summary>
[McpServerToolType]
internal sealed class TimeTools(TimeProvider timeProvider)
{
    private const string ZoneDescription = "IANA time zone id, e.g. 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'; default 'UTC'.";
    private const string TimestampDescription = "ISO 8601 / RFC 3339 timestamp ('2024-03-10T14:30:00Z', '2024-03-10T14:30:00+01:00', '2024-03-10 14:30', '2024-03-10'), RFC 1123 text, or Unix seconds. Without an offset it is read as wall-clock time in the given time zone.";

    [McpServerTool(Name = "time_now", ReadOnly = true, Idempotent = false, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Returns the current date and time in a time zone: local ISO 8601 time with offset, UTC time, offset, whether DST is in effect, Unix seconds and milliseconds, day of week and ISO week.")]
    public TimeInfo Now(
        [Description(ZoneDescription)] string timeZone = "UTC") =>
        TimeInfo.Of(timeProvider.GetUtcNow(), TimeParsing.Zone(timeZone));

    [McpServerTool(Name = "time_parse", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Parses a timestamp and describes the instant in a time zone (same fields as time_now). Accepts ISO 8601, RFC 1123, Unix seconds, or a custom .NET format such as 'dd/MM/yyyy HH:mm'. A wall-clock time skipped by a DST change is an error; a repeated one (DST end) resolves to the earlier instant.")]
    public static TimeInfo Parse(
        [Description(TimestampDescription)] string timestamp,
        [Description("Zone used to read a timestamp without an offset, and to describe the result. " + ZoneDescription)] string timeZone = "UTC",
        [Description("Optional .NET custom date format the text follows exactly, e.g. 'dd/MM/yyyy HH:mm' or 'MMM d, yyyy h:mm tt'. Omit for ISO 8601 and common formats.")] string? format = null,
        [Description("Culture for month and day names in 'format', e.g. 'en-US', 'fr-FR'. Default invariant (English).")] string? culture = null)
    {
        var zone = TimeParsing.Zone(timeZone);
        return TimeInfo.Of(TimeParsing.Instant(timestamp, zone, nameof(timestamp), string.IsNullOrEmpty(format) ? null : format, TimeParsing.Culture(culture)), zone);
    }

    [McpServerTool(Name = "time_format", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false)]
    [Description("Formats a timestamp in a time zone and returns the text. 'format' is a .NET custom format ('yyyy-MM-dd HH:mm', 'dddd d MMMM yyyy', 'hh:mm tt') or one of: 'iso' (ISO 8601 with offset), 'rfc1123' (HTTP date, always GMT), 'unix' (seconds), 'unixms' (milliseconds), 'date' (yyyy-MM-dd), 'time' (HH:mm:ss).")]
    public static string Format(
        [Description(TimestampDescription)] string timestamp,
        [Description("The output format: a .NET custom format string or iso, rfc1123, unix, unixms, date, time.")] string format,
        [Description("Zone to show the time in. " + ZoneDescription)] string timeZone = "UTC",
        [Description("Culture for month and day names, e.g. 'en-US', 'de-DE', 'ja-JP'. Default invariant (English).")] string? culture = null)
    {
        Limits.RequireLength(format, nameof(format), 200);
        var zone = TimeParsing.Zone(timeZone);
        var instant = TimeParsing.Instant(timestamp, zone, nameof(timestamp));
        var local = TimeParsing.ToZone(instant, zone);
        var provider = TimeParsing.Culture(culture);
        try
        {
            return format.ToLowerInvariant() switch
            {
                "iso" => TimeInfo.Iso(local),
                "rfc1123" => instant.ToString("r", CultureInfo.InvariantCulture),
                "unix" => instant.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                "unixms" => instant.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                "date" => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "time" => local.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                _ => local.ToString(format, provider),
            };
        }
        catch (FormatException)
        {
            return ToolError.Throw<string>($"'{format}' is not a valid .NET date format. Examples: 'yyyy-MM-dd HH:mm:ss', 'dddd, d MMMM yyyy', or 'iso'.");
        }
        catch (ArgumentOutOfRangeException)
        {
            var calendar = provider.DateTimeFormat.Calendar;
            return ToolError.Throw<string>(
                $"{TimeInfo.Iso(local)} cannot be written in the calendar of '{culture}' ({calendar.GetType().Name}), which covers {calendar.MinSupportedDateTime:yyyy-MM-dd} to {calendar.MaxSupportedDateTime:yyyy-MM-dd}. Use another culture or leave it empty.");
        }
    }

    [McpServerTool(Name = "time_convert", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Converts a timestamp from one time zone to another, DST-aware, e.g. '2024-07-01 09:00' in 'America/New_York' to 'Asia/Tokyo'. Returns the instant as seen in the target zone.")]
    public static TimeInfo Convert(
        [Description(TimestampDescription)] string timestamp,
        [Description("Target zone. " + ZoneDescription)] string toTimeZone,
        [Description("Zone of a timestamp given without an offset. " + ZoneDescription)] string fromTimeZone = "UTC")
    {
        var from = TimeParsing.Zone(fromTimeZone, nameof(fromTimeZone));
        var to = TimeParsing.Zone(toTimeZone, nameof(toTimeZone));
        return TimeInfo.Of(TimeParsing.Instant(timestamp, from, nameof(timestamp)), to);
    }

    [McpServerTool(Name = "time_add", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Adds (or with subtract=true, subtracts) an ISO 8601 duration to a timestamp. Years, months, weeks and days move the wall clock in the time zone (so 'P1D' across a DST change keeps the time of day, and '2024-01-31' + 'P1M' is '2024-02-29'); hours, minutes and seconds are exact elapsed time.")]
    public static TimeInfo Add(
        [Description(TimestampDescription)] string timestamp,
        [Description("ISO 8601 duration: 'P1Y2M10DT2H30M', 'PT90M', 'P2W', 'PT0.25S'; a leading '-' negates it.")] string duration,
        [Description("Subtract the duration instead of adding it. Default false.")] bool subtract = false,
        [Description("Zone for the calendar arithmetic and the result. " + ZoneDescription)] string timeZone = "UTC")
    {
        var zone = TimeParsing.Zone(timeZone);
        var start = TimeParsing.Instant(timestamp, zone, nameof(timestamp));
        var result = IsoDuration.Parse(duration, nameof(duration)).AddTo(start, zone, subtract ? -1 : 1, nameof(duration));
        return TimeInfo.Of(result, zone);
    }

    [McpServerTool(Name = "time_difference", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Computes end minus start: exact elapsed time (total seconds, minutes, hours, days; ISO 8601 duration with 24-hour days) and the calendar difference in years, months, days, hours, minutes and seconds as counted on the wall clock of the time zone. Negative when end is before start.")]
    public static TimeDifference Difference(
        [Description("Start. " + TimestampDescription)] string start,
        [Description("End. " + TimestampDescription)] string end,
        [Description("Zone for timestamps without an offset and for the calendar breakdown. " + ZoneDescription)] string timeZone = "UTC")
    {
        var zone = TimeParsing.Zone(timeZone);
        var from = TimeParsing.Instant(start, zone, nameof(start));
        var to = TimeParsing.Instant(end, zone, nameof(end));
        var elapsed = to - from;

        int sign = elapsed < TimeSpan.Zero ? -1 : 1;
        var a = TimeParsing.ToZone(sign > 0 ? from : to, zone).DateTime;
        var b = TimeParsing.ToZone(sign > 0 ? to : from, zone).DateTime;
        int months = ((b.Year - a.Year) * 12) + b.Month - a.Month;
        if (a.AddMonths(months) > b)
        {
            months--;
        }

        var rest = b - a.AddMonths(months);
        return new TimeDifference(
            elapsed.TotalSeconds,
            elapsed.TotalMinutes,
            elapsed.TotalHours,
            elapsed.TotalDays,
            IsoDuration.Format(elapsed),
            new CalendarDifference(sign * (months / 12), sign * (months % 12), sign * rest.Days, sign * rest.Hours, sign * rest.Minutes, sign * (rest.Seconds + (rest.Milliseconds / 1000.0))));
    }
}

/// <summary>The difference between two instants.</summary>
/// <param name="TotalSeconds">Exact elapsed seconds.</param>
/// <param name="TotalMinutes">Exact elapsed minutes.</param>
/// <param name="TotalHours">Exact elapsed hours.</param>
/// <param name="TotalDays">Exact elapsed days of 24 hours.</param>
/// <param name="Iso">Exact elapsed time as an ISO 8601 duration, e.g. "P1DT2H".</param>
/// <param name="Calendar">The wall-clock calendar difference.</param>
internal sealed record TimeDifference(double TotalSeconds, double TotalMinutes, double TotalHours, double TotalDays, string Iso, CalendarDifference Calendar);

/// <summary>A calendar difference: start plus these, applied largest first, gives end.</summary>
internal sealed record CalendarDifference(int Years, int Months, int Days, int Hours, int Minutes, double Seconds);
