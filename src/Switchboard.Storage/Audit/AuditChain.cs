using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Audit;

/// <summary>
/// The audit hash chain: each event's hash covers its own fields and its predecessor's hash, so editing, removing or
/// reordering a stored event breaks every later link.
/// </summary>
public static class AuditChain
{
    /// <summary>Computes the hash of an event given its predecessor's hash. Fields are length-prefixed UTF-8.</summary>
    public static string ComputeHash(long seq, string? prevHash, DateTimeOffset occurredAt, string actor, string action, string? target, string outcome, string? details)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, seq);
        hash.AppendData(number);
        Append(hash, prevHash);
        Append(hash, StorageDatabase.Normalize(occurredAt).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        Append(hash, actor);
        Append(hash, action);
        Append(hash, target);
        Append(hash, outcome);
        Append(hash, details);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Checks events in sequence order, starting from the first event of the chain.</summary>
    public static AuditVerification Verify(IEnumerable<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        string? previous = null;
        long expectedSeq = 1, count = 0;
        foreach (var e in events)
        {
            count++;
            if (e.Seq != expectedSeq)
            {
                return new AuditVerification(false, count, e.Seq, $"Audit chain broken at event {e.Seq}: expected event {expectedSeq} (an event was removed or renumbered).");
            }

            if (e.PrevHash != previous)
            {
                return new AuditVerification(false, count, e.Seq, $"Audit chain broken at event {e.Seq}: it does not link to event {e.Seq - 1}.");
            }

            if (ComputeHash(e.Seq, e.PrevHash, e.OccurredAt, e.Actor, e.Action, e.Target, e.Outcome, e.Details) != e.Hash)
            {
                return new AuditVerification(false, count, e.Seq, $"Audit chain broken at event {e.Seq}: its contents were changed after it was written.");
            }

            previous = e.Hash;
            expectedSeq++;
        }

        return new AuditVerification(true, count, null, $"Audit chain intact: {count} events verified.");
    }

    private static void Append(IncrementalHash hash, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            hash.AppendData(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
