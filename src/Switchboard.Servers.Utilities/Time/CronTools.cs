using System.ComponentModel;
using Cronos;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Time;

/// <summary>Cron schedules: the next times an expression fires.</summary>
[McpServerToolType]
internal sealed class CronTools(TimeProvider timeProvider)
{
    [McpServerTool(Name = "cron_next", ReadOnly = true, Idempotent = false, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Lists the next times a cron expression fires, in a time zone (DST-aware). Accepts 5 fields (minute hour day-of-month month day-of-week), 6 fields (seconds first), the macros @yearly @monthly @weekly @daily @hourly, and L, W, # and ? in the day fields. E.g. '0 9 * * MON-FRI' = 09:00 on weekdays. Returns ISO 8601 timestamps with offset.")]
    public CronResult Next(
        [Description("The cron expression, e.g. '*/15 * * * *' or '0 0 12 1 * ?' (6 fields, seconds first).")] string expression,
        [Description("How many occurrences to list, 1 to 1000. Default 5.")] int count = 5,
        [Description("Start after this instant (ISO 8601; without an offset it is wall-clock time in the time zone). Default: now.")] string? after = null,
        [Description("IANA time zone the schedule runs in, e.g. 'Europe/Berlin'. Default 'UTC'.")] string timeZone = "UTC")
    {
        Limits.RequireLength(expression, nameof(expression), 200);
        Limits.RequireRange(count, nameof(count), 1, Limits.MaxResults);
        var zone = TimeParsing.Zone(timeZone);
        var from = string.IsNullOrWhiteSpace(after) ? timeProvider.GetUtcNow() : TimeParsing.Instant(after, zone, nameof(after));

        string trimmed = expression.Trim();
        var format = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(trimmed, format);
        }
        catch (CronFormatException ex)
        {
            return ToolError.Throw<CronResult>($"'{trimmed}' is not a valid cron expression: {ex.Message} Use 5 fields 'minute hour day-of-month month day-of-week' (e.g. '30 2 * * *') or 6 with seconds first.");
        }

        var occurrences = new List<string>(count);
        DateTimeOffset? next = from;
        while (occurrences.Count < count && (next = cron.GetNextOccurrence(next.Value, zone)) is { } occurrence)
        {
            occurrences.Add(TimeInfo.Iso(occurrence));
        }

        return new CronResult(trimmed, zone.Id, occurrences);
    }
}

/// <summary>When a cron schedule fires next.</summary>
/// <param name="Expression">The expression as parsed.</param>
/// <param name="TimeZone">The zone it runs in.</param>
/// <param name="Occurrences">The next firing times, ISO 8601 with offset; fewer than asked when the schedule ends (e.g. '0 0 30 2 *' never fires).</param>
internal sealed record CronResult(string Expression, string TimeZone, IReadOnlyList<string> Occurrences);
