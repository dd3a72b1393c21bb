using System.Globalization;
using System.Text.Json;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Audit;

/// <summary>
/// The audit hash chain: each event's hash covers its own fields and its predecessor's hash, so editing, removing or
/// reordering a stored event breaks every later link.
/// </summary>
public static class AuditChain
{
    // One per thread that hashes (the PostgreSQL writer, verify, prune), kept for the thread's life.
    [ThreadStatic]
    private static AuditEventEncoding? t_encoding;

    /// <summary>Computes the hash of an event given its predecessor's hash. Fields are length-prefixed UTF-8.</summary>
    public static string ComputeHash(long seq, string? prevHash, DateTimeOffset occurredAt, string actor, string action, string? target, string outcome, string? details)
    {
        var encoding = t_encoding ??= new AuditEventEncoding();
        encoding.Encode(seq, prevHash, occurredAt, actor, action, target, outcome, details);
        return encoding.Hash;
    }

    /// <summary>The action of the event each prune appends; its details record where the chain was cut.</summary>
    public const string PruneAction = "audit.prune";

    /// <summary>The prune event's detail naming the last pruned event's sequence number.</summary>
    public const string ThroughSeqDetail = "throughSeq";

    /// <summary>The prune event's detail naming the last pruned event's hash.</summary>
    public const string ThroughHashDetail = "throughHash";

    /// <summary>
    /// Checks events in sequence order, from event 1 or, when older events were pruned, from the event after
    /// <paramref name="anchor"/>. The anchor itself is checked against the newest <see cref="PruneAction"/> event,
    /// which is part of the chain: moving the anchor forward to hide deleted events is caught like any other edit.
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditEvent> events, AuditAnchor? anchor = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var walk = new Walk(anchor);
        AuditEvent? lastPrune = null;
        foreach (var e in events)
        {
            if (walk.Step(e) is { } broken)
            {
                return broken;
            }

            if (e.Action == PruneAction)
            {
                lastPrune = e;
            }
        }

        if (anchor is null)
        {
            return new AuditVerification(true, walk.Checked, null, $"Audit chain intact: {Events(walk.Checked)} verified.");
        }

        if (CheckAnchor(anchor, lastPrune) is { } mismatch)
        {
            return new AuditVerification(false, walk.Checked, anchor.Seq + 1, $"Audit chain broken at event {anchor.Seq + 1}: {mismatch}", anchor);
        }

        return new AuditVerification(
            true,
            walk.Checked,
            null,
            $"Audit chain intact: {Events(walk.Checked)} verified since event {anchor.Seq + 1}; events through {anchor.Seq} (up to {Stamp(anchor.OccurredAt)}) were pruned, {anchor.PrunedCount} in all, last on {Stamp(anchor.PrunedAt)}.",
            anchor);
    }

    private static string Events(long count) => count == 1 ? "1 event" : $"{count} events";

    private static string? CheckAnchor(AuditAnchor anchor, AuditEvent? lastPrune)
    {
        if (lastPrune is null)
        {
            return $"the prune anchor says events through {anchor.Seq} were pruned, but no {PruneAction} event records a prune; the anchor was written outside Switchboard.";
        }

        long? throughSeq = null;
        string? throughHash = null;
        try
        {
            using var details = JsonDocument.Parse(lastPrune.Details ?? "{}");
            if (details.RootElement.TryGetProperty(ThroughSeqDetail, out var seq) && seq.TryGetInt64(out var value))
            {
                throughSeq = value;
            }

            if (details.RootElement.TryGetProperty(ThroughHashDetail, out var hash))
            {
                throughHash = hash.GetString();
            }
        }
        catch (JsonException)
        {
            // Unreadable details leave both null: reported as a mismatch below.
        }

        return throughSeq == anchor.Seq && throughHash == anchor.Hash
            ? null
            : $"the prune anchor says events through {anchor.Seq} were pruned, but the last {PruneAction} event ({lastPrune.Seq}) records pruning through event {throughSeq?.ToString(CultureInfo.InvariantCulture) ?? "(unreadable)"}{(throughSeq == anchor.Seq ? " with another hash" : string.Empty)}; events were removed outside a prune, or the anchor was edited.";
    }

    private static string Stamp(DateTimeOffset at) => at.ToString("u", CultureInfo.InvariantCulture);

    /// <summary>Follows the chain one event at a time from a starting point: event 1, or the event after an anchor.</summary>
    internal sealed class Walk(AuditAnchor? anchor)
    {
        private string? _previous = anchor?.Hash;
        private long _expectedSeq = (anchor?.Seq ?? 0) + 1;

        /// <summary>How many events were stepped over.</summary>
        public long Checked { get; private set; }

        /// <summary>Checks <paramref name="e"/>, the next event; returns the failure when it does not verify.</summary>
        public AuditVerification? Step(AuditEvent e)
        {
            Checked++;
            if (e.Seq != _expectedSeq)
            {
                var removed = anchor is null && _expectedSeq == 1
                    ? "events were removed from the start of the chain without a prune anchor"
                    : "an event was removed or renumbered";
                return Broken(e, $"expected event {_expectedSeq} ({removed}).");
            }

            if (e.PrevHash != _previous)
            {
                return Broken(e, anchor is not null && e.Seq == anchor.Seq + 1 ? $"it does not link to the prune anchor (event {anchor.Seq})." : $"it does not link to event {e.Seq - 1}.");
            }

            if (ComputeHash(e.Seq, e.PrevHash, e.OccurredAt, e.Actor, e.Action, e.Target, e.Outcome, e.Details) != e.Hash)
            {
                return Broken(e, "its contents were changed after it was written.");
            }

            _previous = e.Hash;
            _expectedSeq++;
            return null;
        }

        private AuditVerification Broken(AuditEvent e, string why) =>
            new(false, Checked, e.Seq, $"Audit chain broken at event {e.Seq}: {why}", anchor);
    }
}
