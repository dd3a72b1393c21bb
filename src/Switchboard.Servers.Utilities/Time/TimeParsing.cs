using System.Globalization;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>Time zones and timestamps as the time tools accept them, with errors that say what to send instead.</summary>
internal static partial class TimeParsing
{
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd",
    ];

    /// <summary>The zone named by an IANA id ("Europe/Paris"), "UTC", or a Windows id; a tool error otherwise.</summary>
    public static TimeZoneInfo Zone(string? id, string parameter = "timeZone")
    {
        if (string.IsNullOrWhiteSpace(id) || id.Equals("UTC", StringComparison.OrdinalIgnoreCase) || id.Equals("Z", StringComparison.Ordinal))
        {
            return TimeZoneInfo.Utc;
        }

        Limits.RequireLength(id, parameter, 100);
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone)
            ? zone
            : ToolError.Throw<TimeZoneInfo>($"Unknown time zone '{id}' in '{parameter}'. Use an IANA time zone id such as 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', or 'UTC'.");
    }

    /// <summary>
    /// An instant from ISO 8601 / RFC 3339 text, RFC 1123 text, or Unix seconds; text without an offset is wall-clock
    /// time in <paramref name="zone"/>. A custom .NET <paramref name="format"/> may be given instead.
    /// </summary>
    public static DateTimeOffset Instant(string? text, TimeZoneInfo zone, string parameter, string? format = null, CultureInfo? culture = null)
    {
        Limits.RequireLength(text, parameter, 200);
        string value = text!.Trim();
        culture ??= CultureInfo.InvariantCulture;

        if (format is null && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long unixSeconds))
        {
            if (unixSeconds is < -62_135_596_800 or > 253_402_300_799)
            {
                ToolError.Throw($"'{parameter}' as Unix seconds ({value}) is outside years 1 to 9999.");
            }

            return DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        }

        string failure = format is not null
            ? $"'{parameter}' ('{value}') does not match the format '{format}'."
            : $"'{parameter}' ('{value}') is not a recognised timestamp. Use ISO 8601 like '2024-03-10T14:30:00Z', '2024-03-10T14:30:00+01:00' or '2024-03-10', RFC 1123, or Unix seconds.";

        // With an offset in the text the instant is fixed; without one it is wall-clock time in the zone.
        try
        {
            return Parse(value, zone, parameter, format, culture, failure);
        }
        catch (FormatException)
        {
            // TryParseExact still throws for a format string it cannot read at all, such as "%".
            return ToolError.Throw<DateTimeOffset>($"'format' ('{format}') is not a valid .NET date format. Examples: 'dd/MM/yyyy HH:mm', 'MMM d, yyyy h:mm tt'.");
        }
    }

    private static DateTimeOffset Parse(string value, TimeZoneInfo zone, string parameter, string? format, CultureInfo culture, string failure)
    {
        bool hasOffset = format is not null
            ? format.Contains('z', StringComparison.Ordinal) || format.Contains('K', StringComparison.Ordinal)
            : OffsetSuffix().IsMatch(value);
        if (hasOffset)
        {
            bool parsedOffset = format is not null
                ? DateTimeOffset.TryParseExact(value, format, culture, DateTimeStyles.AllowWhiteSpaces, out var instant)
                : DateTimeOffset.TryParseExact(value, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)
                  || DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)
                  || DateTimeOffset.TryParse(value, culture, DateTimeStyles.None, out instant);
            return parsedOffset ? instant : ToolError.Throw<DateTimeOffset>(failure);
        }

        bool parsed = format is not null
            ? DateTime.TryParseExact(value, format, culture, DateTimeStyles.AllowWhiteSpaces, out var local)
            : DateTime.TryParseExact(value, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out local)
              || DateTime.TryParse(value, culture, DateTimeStyles.None, out local);
        if (!parsed)
        {
            return ToolError.Throw<DateTimeOffset>(failure);
        }

        return InZone(local, zone, parameter);
    }

    /// <summary>The instant of wall-clock time <paramref name="local"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset InZone(DateTime local, TimeZoneInfo zone, string parameter)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            ToolError.Throw($"'{parameter}': {local:yyyy-MM-dd HH:mm:ss} does not exist in {zone.Id}: the clocks skip it when daylight saving time starts. Use a time after the change.");
        }

        // Ambiguous wall-clock times (the repeated hour when DST ends) resolve to the earlier instant.
        TimeSpan offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        long utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            ToolError.Throw($"'{parameter}': {local:yyyy-MM-dd HH:mm:ss} in {zone.Id} (UTC{Offset(offset)}) is an instant that falls outside years 1 to 9999 in UTC.");
        }

        return new DateTimeOffset(local, offset);
    }

    /// <summary>
    /// <paramref name="instant"/> as wall-clock time in <paramref name="zone"/>, or a tool error when that falls outside
    /// years 1 to 9999 (where <see cref="TimeZoneInfo.ConvertTime(DateTimeOffset, TimeZoneInfo)"/> would silently clamp).
    /// </summary>
    public static DateTimeOffset ToZone(DateTimeOffset instant, TimeZoneInfo zone)
    {
        TimeSpan offset = zone.GetUtcOffset(instant);
        long localTicks = instant.UtcTicks + offset.Ticks;
        if (localTicks < DateTime.MinValue.Ticks || localTicks > DateTime.MaxValue.Ticks)
        {
            ToolError.Throw($"{instant.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z in {zone.Id} (UTC{Offset(offset)}) is a local time that falls outside years 1 to 9999.");
        }

        return TimeZoneInfo.ConvertTime(instant, zone);
    }

    /// <summary>An offset from UTC as "+HH:mm" or "-HH:mm".</summary>
    public static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    /// <summary>A calendar date, yyyy-MM-dd.</summary>
    public static DateOnly Date(string? text, string parameter)
    {
        Limits.RequireLength(text, parameter, 100);
        return DateOnly.TryParseExact(text!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : ToolError.Throw<DateOnly>($"'{parameter}' ('{text}') is not a date in the form yyyy-MM-dd, e.g. '2024-03-10'.");
    }

    /// <summary>The culture named <paramref name="name"/>, or a tool error.</summary>
    public static CultureInfo Culture(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return CultureInfo.InvariantCulture;
        }

        try
        {
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            return ToolError.Throw<CultureInfo>($"Unknown culture '{name}'. Use a BCP 47 tag such as 'en-US', 'fr-FR', 'de-DE', or leave it empty for the invariant culture.");
        }
    }

    [GeneratedRegex(@"(\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)|\b(GMT|UTC))\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OffsetSuffix();
}
