using Microsoft.Extensions.Options;

namespace Switchboard.Storage.Audit;

/// <summary>What the audit trail records of tool calls, and how long it keeps events. Section <c>Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Audit";

    /// <summary>
    /// Whether tool-call events carry the call's arguments (redacted, bounded). Off by default: arguments may hold
    /// secrets and personal data that no name or pattern recognises.
    /// </summary>
    public bool CaptureArguments { get; set; }

    /// <summary>
    /// Property names whose values are replaced by <c>[redacted]</c>, in addition to
    /// <see cref="AuditArguments.DefaultRedactedNames"/>. Matched at any depth, ignoring case and the separators
    /// <c>_</c>, <c>-</c>, <c>.</c>; a name also matches as the end of a longer one (<c>token</c> covers
    /// <c>accessToken</c>).
    /// </summary>
    public IList<string> RedactedNames { get; } = [];

    /// <summary>The most bytes of (redacted) arguments one event keeps; longer arguments are cut and marked.</summary>
    public int MaxArgumentBytes { get; set; } = 4096;

    /// <summary>
    /// How many days of events to keep; older ones are pruned behind a verifiable anchor. 0, the default, keeps every
    /// event: deleting audit history is the operator's decision.
    /// </summary>
    public int RetentionDays { get; set; }

    /// <summary>How often the gateway prunes when <see cref="RetentionDays"/> is set.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The most events one prune transaction deletes. Appends wait while a batch runs, so batches stay small; a
    /// prune runs batch after batch until nothing old is left.
    /// </summary>
    public int PruneBatchSize { get; set; } = 5000;
}

/// <summary>Checks <see cref="AuditOptions"/> at start, with messages that say what to change.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    private const int MinArgumentBytes = 256;
    private const int MaxArgumentBytes = 1024 * 1024;
    private const int MaxRetentionDays = 36_500;
    private const int MaxBatch = 100_000;

    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.MaxArgumentBytes is < MinArgumentBytes or > MaxArgumentBytes)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Audit:MaxArgumentBytes is {options.MaxArgumentBytes}; set it between {MinArgumentBytes} and {MaxArgumentBytes} bytes."));
        }

        if (options.RetentionDays is < 0 or > MaxRetentionDays)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Audit:RetentionDays is {options.RetentionDays}; set a number of days between 1 and {MaxRetentionDays}, or 0 to keep every event."));
        }

        if (options.PruneInterval < TimeSpan.FromSeconds(1) || options.PruneInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Audit:PruneInterval is {options.PruneInterval}; set it between 00:00:01 and 1.00:00:00 (e.g. 01:00:00 for hourly).");
        }

        if (options.PruneBatchSize is < 1 or > MaxBatch)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Audit:PruneBatchSize is {options.PruneBatchSize}; set it between 1 and {MaxBatch} events."));
        }

        foreach (var redacted in options.RedactedNames)
        {
            if (AuditArguments.Normalize(redacted).Length == 0)
            {
                failures.Add($"Audit:RedactedNames contains '{redacted}', which has no letters or digits; list property names such as 'ssn' or 'iban'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
