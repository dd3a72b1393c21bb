using System.Globalization;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>An instant as seen in one time zone.</summary>
/// <param name="Local">Wall-clock time in the zone with its offset, ISO 8601 (e.g. "2024-03-10T09:30:00-04:00").</param>
/// <param name="Utc">The same instant in UTC, ISO 8601 with 'Z'.</param>
/// <param name="TimeZone">The zone's id.</param>
/// <param name="UtcOffset">The zone's offset from UTC at this instant, "+HH:mm".</param>
/// <param name="IsDaylightSavingTime">Whether the zone is on daylight saving time at this instant.</param>
/// <param name="UnixSeconds">Seconds since 1970-01-01T00:00:00Z.</param>
/// <param name="UnixMilliseconds">Milliseconds since 1970-01-01T00:00:00Z.</param>
/// <param name="DayOfWeek">The local day of the week, e.g. "Monday".</param>
/// <param name="IsoWeek">The local ISO 8601 week date, e.g. "2024-W10-7".</param>
internal sealed record TimeInfo(
    string Local,
    string Utc,
    string TimeZone,
    string UtcOffset,
    bool IsDaylightSavingTime,
    long UnixSeconds,
    long UnixMilliseconds,
    string DayOfWeek,
    string IsoWeek)
{
    /// <summary>Describes <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static TimeInfo Of(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeParsing.ToZone(instant, zone);
        int isoDay = local.DayOfWeek == System.DayOfWeek.Sunday ? 7 : (int)local.DayOfWeek;
        return new TimeInfo(
            Iso(local),
            instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            zone.Id,
            TimeParsing.Offset(local.Offset),
            zone.IsDaylightSavingTime(local),
            instant.ToUnixTimeSeconds(),
            instant.ToUnixTimeMilliseconds(),
            local.DayOfWeek.ToString(),
            string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local.DateTime)}-W{ISOWeek.GetWeekOfYear(local.DateTime):00}-{isoDay}"));
    }

    /// <summary>ISO 8601 with offset, fractional seconds only when present.</summary>
    public static string Iso(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}
