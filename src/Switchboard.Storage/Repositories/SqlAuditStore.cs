using System.Data.Common;
using System.Text;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="IAuditStore"/> over ADO.NET: appends serialize on the database write lock to keep one chain.</summary>
internal sealed class SqlAuditStore(StorageDatabase database) : SqlStoreBase(database), IAuditStore
{
    private const string Columns = "seq, occurred_at, actor, action, target, outcome, details, prev_hash, hash";

    // Arbitrary constant naming the audit append lock among PostgreSQL advisory locks.
    private const long AppendLockId = 0x5357_4155_4454;

    public async Task<AuditEvent> AppendAsync(AuditEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return (await AppendManyAsync([draft], cancellationToken))[0];
    }

    /// <summary>Appends <paramref name="drafts"/> in order in one transaction: one commit for the lot.</summary>
    public Task<IReadOnlyList<AuditEvent>> AppendManyAsync(IReadOnlyList<AuditEventDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        return Database.RunAsync<IReadOnlyList<AuditEvent>>(async (connection, ct) =>
        {
            await using var transaction = await Database.BeginExclusiveAsync(connection, AppendLockId, ct);
            long lastSeq = 0;
            string? lastHash = null;
            await using (var last = connection.Command("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", transaction))
            await using (var reader = await last.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    lastSeq = reader.GetInt64(0);
                    lastHash = reader.GetString(1);
                }
            }

            var appended = new List<AuditEvent>(drafts.Count);
            foreach (var draft in drafts)
            {
                var seq = lastSeq + 1;
                var at = StorageDatabase.Normalize(draft.OccurredAt);
                var hash = AuditChain.ComputeHash(seq, lastHash, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details);
                await using (var insert = connection.Command(
                    $"INSERT INTO audit_events ({Columns}) VALUES (@seq, @at, @actor, @action, @target, @outcome, @details, @prev, @hash)", transaction))
                {
                    insert.With("seq", seq).With("at", Database.ToDb(at)).With("actor", draft.Actor).With("action", draft.Action).With("target", draft.Target)
                        .With("outcome", draft.Outcome).With("details", draft.Details).With("prev", lastHash).With("hash", hash);
                    await insert.ExecuteNonQueryAsync(ct);
                }

                appended.Add(new AuditEvent(seq, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details, lastHash, hash));
                (lastSeq, lastHash) = (seq, hash);
            }

            await transaction.CommitAsync(ct);
            return appended;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder($"SELECT {Columns} FROM audit_events WHERE 1 = 1");
        if (query.From is not null) sql.Append(" AND occurred_at >= @from");
        if (query.To is not null) sql.Append(" AND occurred_at < @to");
        if (query.Actor is not null) sql.Append(" AND actor = @actor");
        if (query.Action is not null) sql.Append(" AND action = @action");
        if (query.AfterSeq is not null) sql.Append(" AND seq > @after");
        sql.Append(" ORDER BY seq LIMIT @limit");
        return await QueryAsync(
            sql.ToString(),
            c =>
            {
                if (query.From is { } from) c.With("from", Database.ToDb(from));
                if (query.To is { } to) c.With("to", Database.ToDb(to));
                if (query.Actor is not null) c.With("actor", query.Actor);
                if (query.Action is not null) c.With("action", query.Action);
                if (query.AfterSeq is { } after) c.With("after", after);
                c.With("limit", Math.Clamp(query.Limit, 1, 10_000));
            },
            Map,
            cancellationToken);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command($"SELECT {Columns} FROM audit_events ORDER BY seq");
            await using var reader = await command.ExecuteReaderAsync(ct);
            return AuditChain.Verify(Stream(reader));
        }, cancellationToken);

    // Synchronous reads over an open reader keep the whole chain out of memory.
    private static IEnumerable<AuditEvent> Stream(DbDataReader reader)
    {
        while (reader.Read())
        {
            yield return Map(reader);
        }
    }

    private static AuditEvent Map(DbDataReader r) => new(
        r.GetInt64(0), StorageDatabase.ReadTimestamp(r, 1), r.GetString(2), r.GetString(3), StorageDatabase.ReadNullableString(r, 4),
        r.GetString(5), StorageDatabase.ReadNullableString(r, 6), StorageDatabase.ReadNullableString(r, 7), r.GetString(8));
}
