using System.Diagnostics.CodeAnalysis;

namespace Switchboard.Storage.Model;

/// <summary>An audit event to append; the store assigns its sequence number and chain hashes.</summary>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Actor">Who: a principal id, or e.g. <c>anonymous:10.0.0.5</c>.</param>
/// <param name="Action">What, e.g. <c>tools/call</c> or <c>keys.revoke</c>.</param>
/// <param name="Target">On what, e.g. <c>filesystem/read_file</c>.</param>
/// <param name="Outcome">Result, e.g. <c>allowed</c>, <c>denied</c>, <c>error</c>.</param>
/// <param name="Details">Further detail as JSON text (policy decision, duration, redacted arguments).</param>
/// <remarks>
/// U+0000 in any text becomes U+FFFD: PostgreSQL's <c>text</c> cannot hold it, and much of this text comes from callers
/// (a tool name, a resource URI), so one such event would fail its insert, and with it every event of the same group
/// commit. Every provider stores, and hashes, the same replaced text.
/// </remarks>
public sealed record AuditEventDraft(DateTimeOffset OccurredAt, string Actor, string Action, string? Target, string Outcome, string? Details)
{
    private readonly string _actor = Storable(Actor);
    private readonly string _action = Storable(Action);
    private readonly string? _target = Storable(Target);
    private readonly string _outcome = Storable(Outcome);
    private readonly string? _details = Storable(Details);

    /// <summary>Who: a principal id, or e.g. <c>anonymous:10.0.0.5</c>.</summary>
    public string Actor { get => _actor; init => _actor = Storable(value); }

    /// <summary>What, e.g. <c>tools/call</c> or <c>keys.revoke</c>.</summary>
    public string Action { get => _action; init => _action = Storable(value); }

    /// <summary>On what, e.g. <c>filesystem/read_file</c>.</summary>
    public string? Target { get => _target; init => _target = Storable(value); }

    /// <summary>Result, e.g. <c>allowed</c>, <c>denied</c>, <c>error</c>.</summary>
    public string Outcome { get => _outcome; init => _outcome = Storable(value); }

    /// <summary>Further detail as JSON text.</summary>
    public string? Details { get => _details; init => _details = Storable(value); }

    [return: NotNullIfNotNull(nameof(text))]
    private static string? Storable(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
}

/// <summary>A stored audit event, linked to its predecessor by <see cref="PrevHash"/>.</summary>
/// <param name="Seq">Position in the chain, from 1 without gaps.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Actor">Who.</param>
/// <param name="Action">What.</param>
/// <param name="Target">On what.</param>
/// <param name="Outcome">Result.</param>
/// <param name="Details">JSON text.</param>
/// <param name="PrevHash">The previous event's <see cref="Hash"/>; null for the first.</param>
/// <param name="Hash">SHA-256 over this event's fields and <see cref="PrevHash"/> (see <c>AuditChain</c>).</param>
public sealed record AuditEvent(
    long Seq,
    DateTimeOffset OccurredAt,
    string Actor,
    string Action,
    string? Target,
    string Outcome,
    string? Details,
    string? PrevHash,
    string Hash);

/// <summary>Filters for <c>IAuditStore.QueryAsync</c>; all optional, combined with AND.</summary>
/// <param name="From">Events at or after this time.</param>
/// <param name="To">Events before this time.</param>
/// <param name="Actor">Only this actor.</param>
/// <param name="Action">Only this action.</param>
/// <param name="AfterSeq">Only events after this sequence number (paging).</param>
/// <param name="Limit">At most this many, oldest first.</param>
/// <param name="Target">Only events on this target, e.g. <c>filesystem/read_file</c>.</param>
/// <param name="Outcome">Only this outcome, e.g. <c>denied</c>.</param>
public sealed record AuditQuery(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    long? AfterSeq = null,
    int Limit = 100,
    string? Target = null,
    string? Outcome = null);

/// <summary>The result of checking the audit chain.</summary>
/// <param name="Intact">Whether every event links to its predecessor and hashes to its stored hash.</param>
/// <param name="Checked">How many events were checked.</param>
/// <param name="BrokenAtSeq">The first event that does not verify, if any.</param>
/// <param name="Message">What was found, for an operator.</param>
/// <param name="Anchor">Where the checked chain starts when older events were pruned; null when it starts at event 1.</param>
public sealed record AuditVerification(bool Intact, long Checked, long? BrokenAtSeq, string Message, AuditAnchor? Anchor = null);

/// <summary>
/// What retention left behind when it deleted the oldest events: the last deleted event's sequence number and hash,
/// which the first remaining event links to.
/// </summary>
/// <param name="Seq">The last pruned event; the chain now starts at <c>Seq + 1</c>.</param>
/// <param name="Hash">That event's hash: the first remaining event's <see cref="AuditEvent.PrevHash"/>.</param>
/// <param name="OccurredAt">When that event happened: nothing older is kept.</param>
/// <param name="PrunedAt">When the last prune ran.</param>
/// <param name="PrunedCount">How many events were pruned in all, over every prune.</param>
public sealed record AuditAnchor(long Seq, string Hash, DateTimeOffset OccurredAt, DateTimeOffset PrunedAt, long PrunedCount);

/// <summary>The outcome of one <c>IAuditStore.PruneAsync</c> batch.</summary>
/// <param name="Pruned">How many events this batch deleted; 0 when none was old enough.</param>
/// <param name="Anchor">The anchor after the batch; null when nothing was ever pruned.</param>
/// <param name="More">Whether older events remain because the batch was full: call again.</param>
/// <param name="Event">The <c>audit.prune</c> event recording this batch; null when nothing was pruned.</param>
public sealed record AuditPruneResult(long Pruned, AuditAnchor? Anchor, bool More, AuditEvent? Event);
