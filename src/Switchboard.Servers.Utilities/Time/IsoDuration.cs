using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>
/// An ISO 8601 duration (§4.4.3.2): calendar parts (years, months, weeks, days) that follow the wall clock, and
/// exact parts (hours, minutes, seconds) that are elapsed time.
/// </summary>
internal readonly partial record struct IsoDuration(int Sign, int Years, int Months, int Weeks, int Days, TimeSpan Exact)
{
    /// <summary>Parses "P1Y2M3DT4H5M6.5S", "PT90M", "P2W", "-P1D"; a tool error otherwise.</summary>
    public static IsoDuration Parse(string? text, string parameter)
    {
        Limits.RequireLength(text, parameter, 100);
        var match = Pattern().Match(text!.Trim().ToUpperInvariant());
        if (!match.Success || match.Groups.Cast<Group>().Skip(2).All(g => !g.Success) || text.TrimEnd().EndsWith('T'))
        {
            return ToolError.Throw<IsoDuration>($"'{parameter}' ('{text}') is not an ISO 8601 duration. Examples: 'PT30M' (30 minutes), 'P1DT12H', 'P2W', 'P1Y6M', 'PT0.5S', '-P3D' (negative).");
        }

        try
        {
            int Int(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture) : 0;
            double Num(int group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value.Replace(',', '.'), CultureInfo.InvariantCulture) : 0;
            var exact = TimeSpan.FromHours(Num(6)) + TimeSpan.FromMinutes(Num(7)) + TimeSpan.FromSeconds(Num(8));
            return new IsoDuration(match.Groups[1].Value == "-" ? -1 : 1, Int(2), Int(3), Int(4), Int(5), exact);
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return ToolError.Throw<IsoDuration>($"'{parameter}' ('{text}') is too large.");
        }
    }

    /// <summary>Adds the duration (times <paramref name="direction"/>, ±1) to <paramref name="start"/> in <paramref name="zone"/>.</summary>
    public DateTimeOffset AddTo(DateTimeOffset start, TimeZoneInfo? zone, int direction, string parameter)
    {
        int s = Sign * direction;
        try
        {
            // Calendar parts move the wall clock (1 day across a DST change is 23 or 25 hours), then exact parts elapse.
            var local = zone is null ? start : TimeParsing.ToZone(start, zone);
            var wall = local.DateTime.AddYears(s * Years).AddMonths(s * Months).AddDays(s * ((7.0 * Weeks) + Days));
            var moved = zone is null ? new DateTimeOffset(wall, start.Offset) : TimeParsing.InZone(wall, zone, parameter);
            var result = moved.Add(s * Exact);
            return zone is null ? result : TimeParsing.ToZone(result, zone);
        }
        catch (ArgumentOutOfRangeException)
        {
            return ToolError.Throw<DateTimeOffset>($"Adding '{parameter}' leaves the supported range of years 1 to 9999.");
        }
    }

    /// <summary>An exact span as an ISO 8601 duration in days and time ("P1DT2H3M4.5S"); days are 24 hours.</summary>
    public static string Format(TimeSpan span)
    {
        var text = new StringBuilder(span < TimeSpan.Zero ? "-P" : "P");
        span = span.Duration();
        if (span.Days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{span.Days}D");
        }

        if (span.Ticks % TimeSpan.TicksPerDay != 0 || span == TimeSpan.Zero)
        {
            text.Append('T');
            if (span.Hours > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{span.Hours}H");
            }

            if (span.Minutes > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{span.Minutes}M");
            }

            decimal seconds = span.Seconds + (span.Ticks % TimeSpan.TicksPerSecond / (decimal)TimeSpan.TicksPerSecond);
            if (seconds > 0 || span == TimeSpan.Zero || (span.Hours == 0 && span.Minutes == 0))
            {
                text.Append(CultureInfo.InvariantCulture, $"{seconds:0.#######}S");
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^([-+])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}
