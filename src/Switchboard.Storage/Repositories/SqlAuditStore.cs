using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>
/// <see cref="IAuditStore"/> over ADO.NET: appends and prunes serialize on one lock (the database write lock on
/// SQLite, a transaction-scoped advisory lock on PostgreSQL), so replicas keep one chain and one anchor.
/// </summary>
internal sealed class SqlAuditStore(StorageDatabase database, TimeProvider? time = null) : SqlStoreBase(database), IAuditStore
{
    private const string Columns = "seq, occurred_at, actor, action, target, outcome, details, prev_hash, hash";

    // Arbitrary constant naming the audit append lock among PostgreSQL advisory locks.
    internal const long AppendLockId = 0x5357_4155_4454;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Asks the database for <c>SELECT 1</c>; throws <see cref="StorageUnavailableException"/> when it does not answer.</summary>
    internal Task PingAsync(CancellationToken cancellationToken) =>
        Database.RunAsync(async (connection, ct) => await connection.ExecuteAsync("SELECT 1", ct), cancellationToken);

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
            using var commands = new AppendCommands(connection, Database.Provider);
            var appended = await AppendAsync(commands, transaction, drafts, async: true, ct);
            await transaction.CommitAsync(ct);
            return appended;
        }, cancellationToken);
    }

    /// <summary>An appender for the group commit's writer thread; see <see cref="BatchAppender"/>.</summary>
    internal BatchAppender CreateBatchAppender() => new(this);

    public async Task<IReadOnlyList<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder($"SELECT {Columns} FROM audit_events WHERE 1 = 1");
        if (query.From is not null) sql.Append(" AND occurred_at >= @from");
        if (query.To is not null) sql.Append(" AND occurred_at < @to");
        if (query.Actor is not null) sql.Append(" AND actor = @actor");
        if (query.Action is not null) sql.Append(" AND action = @action");
        if (query.Target is not null) sql.Append(" AND target = @target");
        if (query.Outcome is not null) sql.Append(" AND outcome = @outcome");
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
                if (query.Target is not null) c.With("target", query.Target);
                if (query.Outcome is not null) c.With("outcome", query.Outcome);
                if (query.AfterSeq is { } after) c.With("after", after);
                c.With("limit", Math.Clamp(query.Limit, 1, 10_000));
            },
            Map,
            cancellationToken);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Database.RunAsync(async (connection, ct) =>
        {
            // One snapshot for the anchor and the events: a prune committing in between must not look like tampering.
            await using var snapshot = await Database.BeginSnapshotAsync(connection, ct);
            var anchor = await ReadAnchorAsync(connection, snapshot, async: true, ct);
            await using var command = connection.Command($"SELECT {Columns} FROM audit_events ORDER BY seq", snapshot);
            await using var reader = await command.ExecuteReaderAsync(ct);
            return AuditChain.Verify(Stream(reader), anchor);
        }, cancellationToken);

    public Task<AuditPruneResult> PruneAsync(DateTimeOffset olderThan, int maxEvents, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEvents);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var cutoff = StorageDatabase.Normalize(olderThan);
        return Database.RunAsync(async (connection, ct) =>
        {
            // The append lock: appends wait for this batch, and a second replica pruning at once sees its result.
            await using var transaction = await Database.BeginExclusiveAsync(connection, AppendLockId, ct);
            var anchor = await ReadAnchorAsync(connection, transaction, async: true, ct);
            var (last, count, more) = await FindPrunableAsync(connection, transaction, anchor, cutoff, maxEvents, ct);
            if (last is null)
            {
                return new AuditPruneResult(0, anchor, false, null);
            }

            await using (var delete = connection.Command("DELETE FROM audit_events WHERE seq <= @through", transaction).With("through", last.Seq))
            {
                await delete.ExecuteNonQueryAsync(ct);
            }

            var now = StorageDatabase.Normalize(_time.GetUtcNow());
            var moved = new AuditAnchor(last.Seq, last.Hash, last.OccurredAt, now, (anchor?.PrunedCount ?? 0) + count);
            await using (var upsert = connection.Command(
                """
                INSERT INTO audit_anchor (id, seq, hash, occurred_at, pruned_at, pruned_count) VALUES (1, @seq, @hash, @at, @pruned_at, @count)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, occurred_at = excluded.occurred_at,
                    pruned_at = excluded.pruned_at, pruned_count = excluded.pruned_count
                """,
                transaction))
            {
                upsert.With("seq", moved.Seq).With("hash", moved.Hash).With("at", Database.ToDb(moved.OccurredAt))
                    .With("pruned_at", Database.ToDb(moved.PrunedAt)).With("count", moved.PrunedCount);
                await upsert.ExecuteNonQueryAsync(ct);
            }

            // The prune is an event of the chain itself, recording the anchor it set: verify holds the anchor to it.
            var details = new JsonObject
            {
                [AuditChain.ThroughSeqDetail] = moved.Seq,
                [AuditChain.ThroughHashDetail] = moved.Hash,
                ["pruned"] = count,
                ["olderThan"] = cutoff.ToString("O", CultureInfo.InvariantCulture),
            };
            using var commands = new AppendCommands(connection, Database.Provider);
            var recorded = await AppendAsync(commands, transaction, [new AuditEventDraft(now, actor, AuditChain.PruneAction, "audit_events", "ok", details.ToJsonString())], async: true, ct);
            await transaction.CommitAsync(ct);
            return new AuditPruneResult(count, moved, more, recorded[0]);
        }, cancellationToken);
    }

    /// <summary>
    /// Walks the oldest events from the anchor while they are older than <paramref name="cutoff"/>, at most
    /// <paramref name="maxEvents"/>, verifying each and the link of the one after: only a prefix that verifies is
    /// pruned. Streams, so a large batch costs no memory.
    /// </summary>
    private async Task<(AuditEvent? Last, long Count, bool More)> FindPrunableAsync(
        DbConnection connection, DbTransaction transaction, AuditAnchor? anchor, DateTimeOffset cutoff, int maxEvents, CancellationToken cancellationToken)
    {
        var walk = new AuditChain.Walk(anchor);
        AuditEvent? last = null;
        long count = 0;
        await using var command = connection.Command($"SELECT {Columns} FROM audit_events ORDER BY seq LIMIT @limit", transaction).With("limit", (long)maxEvents + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var e = Map(reader);
            if (walk.Step(e) is { } broken)
            {
                throw new StorageException(
                    $"Not pruning the audit trail in the {Database.Description}: {broken.Message} Pruning would delete the evidence; run `switchboard audit verify` and investigate first.");
            }

            if (e.OccurredAt >= cutoff || count == maxEvents)
            {
                return (last, count, count == maxEvents && e.OccurredAt < cutoff);
            }

            (last, count) = (e, count + 1);
        }

        return (last, count, false);
    }

    // async: false runs every statement with blocking I/O, so the returned task is already complete (Npgsql's pattern).
    private static async Task<IReadOnlyList<AuditEvent>> AppendAsync(
        AppendCommands commands, DbTransaction transaction, IReadOnlyList<AuditEventDraft> drafts, bool async, CancellationToken cancellationToken)
    {
        commands.Enlist(transaction);
        var (lastSeq, lastHash) = await ReadTailAsync(commands, transaction, async, cancellationToken);
        if (commands.Rows is { } rows)
        {
            // SQLite: in-process, no I/O to wait for but the commit's.
            return rows.Append(drafts, lastSeq, lastHash);
        }

        var appended = new AuditEvent[drafts.Count];
        for (int i = 0; i < drafts.Count; i++)
        {
            var draft = drafts[i];
            var seq = lastSeq + 1;
            var at = StorageDatabase.Normalize(draft.OccurredAt);
            var hash = AuditChain.ComputeHash(seq, lastHash, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details);
            appended[i] = new AuditEvent(seq, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details, lastHash, hash);
            (lastSeq, lastHash) = (seq, hash);
        }

        await InsertAllAtOnceAsync(commands.Insert!, appended, async, cancellationToken);
        return appended;
    }

    // PostgreSQL: the whole batch in one statement, one column array per parameter, so a group commit costs one round
    // trip for its rows however many there are (one INSERT per event made a batch of 64 wait for 64 round trips while
    // holding the append lock).
    private static async Task InsertAllAtOnceAsync(DbCommand insert, AuditEvent[] events, bool async, CancellationToken cancellationToken)
    {
        var columns = insert.Parameters;
        columns[0].Value = Array.ConvertAll(events, e => e.Seq);
        columns[1].Value = Array.ConvertAll(events, e => e.OccurredAt);
        columns[2].Value = Array.ConvertAll(events, e => e.Actor);
        columns[3].Value = Array.ConvertAll(events, e => e.Action);
        columns[4].Value = Array.ConvertAll(events, e => e.Target);
        columns[5].Value = Array.ConvertAll(events, e => e.Outcome);
        columns[6].Value = Array.ConvertAll(events, e => e.Details);
        columns[7].Value = Array.ConvertAll(events, e => e.PrevHash);
        columns[8].Value = Array.ConvertAll(events, e => e.Hash);
        if (async)
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            insert.ExecuteNonQuery();
        }
    }

    // The chain continues from the newest event, or from the anchor when every event was pruned.
    private static async Task<(long Seq, string? Hash)> ReadTailAsync(AppendCommands commands, DbTransaction transaction, bool async, CancellationToken cancellationToken)
    {
        var reader = async ? await commands.Tail.ExecuteReaderAsync(cancellationToken) : commands.Tail.ExecuteReader();
        try
        {
            if (commands.TailTakesAppendLock)
            {
                // The lock's own result comes first.
                _ = async ? await reader.NextResultAsync(cancellationToken) : reader.NextResult();
            }

            if (async ? await reader.ReadAsync(cancellationToken) : reader.Read())
            {
                return (reader.GetInt64(0), reader.GetString(1));
            }
        }
        finally
        {
            await DisposeAsync(reader, async);
        }

        return await ReadAnchorAsync(commands.Connection, transaction, async, cancellationToken) is { } anchor ? (anchor.Seq, anchor.Hash) : (0, null);
    }

    private static async Task<AuditAnchor?> ReadAnchorAsync(DbConnection connection, DbTransaction transaction, bool async, CancellationToken cancellationToken)
    {
        using var command = connection.Command("SELECT seq, hash, occurred_at, pruned_at, pruned_count FROM audit_anchor WHERE id = 1", transaction);
        var reader = async ? await command.ExecuteReaderAsync(cancellationToken) : command.ExecuteReader();
        try
        {
            return (async ? await reader.ReadAsync(cancellationToken) : reader.Read())
                ? new AuditAnchor(reader.GetInt64(0), reader.GetString(1), StorageDatabase.ReadTimestamp(reader, 2), StorageDatabase.ReadTimestamp(reader, 3), reader.GetInt64(4))
                : null;
        }
        finally
        {
            await DisposeAsync(reader, async);
        }
    }

    // Closing a reader may read the rest of its results from the server: blocking or not, as the caller runs.
    private static async ValueTask DisposeAsync(DbDataReader reader, bool async)
    {
        if (async)
        {
            await reader.DisposeAsync();
        }
        else
        {
            reader.Dispose();
        }
    }

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

    /// <summary>
    /// The statements of an append, the tail read and the INSERT, with their parameters in place: the asynchronous
    /// paths make a set per transaction, the group commit's <see cref="BatchAppender"/> keeps one as long as its
    /// connection, so SQLite compiles them once rather than per batch. SQLite inserts through
    /// <see cref="SqliteAuditInsert"/>, PostgreSQL through one <c>unnest</c> INSERT.
    /// </summary>
    private sealed class AppendCommands : IDisposable
    {
        private static readonly string[] InsertParameters = ["@seq", "@at", "@actor", "@action", "@target", "@outcome", "@details", "@prev", "@hash"];

        private const string TailQuery = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1";

        public AppendCommands(DbConnection connection, StorageProvider provider)
        {
            Connection = connection;
            if (provider == StorageProvider.Sqlite)
            {
                Tail = connection.Command(TailQuery);
                Rows = new SqliteAuditInsert((SqliteConnection)connection);
                return;
            }

            // PostgreSQL: the append lock and the tail in one round trip. The lock is taken first and the SELECT, a
            // statement of its own, reads the tail as committed once the lock is granted (read committed takes a
            // snapshot per statement). Taking the lock again in a transaction that holds it already is a no-op.
            Tail = connection.Command($"SELECT pg_advisory_xact_lock(@lock); {TailQuery}").With("lock", AppendLockId);
            TailTakesAppendLock = true;

            // Not prepared: the pool may sit behind PgBouncer in transaction mode (docs/storage.md).
            Insert = connection.Command(
                $"""
                INSERT INTO audit_events ({Columns})
                SELECT * FROM unnest(@seq::bigint[], @at::timestamptz[], @actor::text[], @action::text[], @target::text[], @outcome::text[], @details::text[], @prev::text[], @hash::text[])
                """);
            foreach (var name in InsertParameters)
            {
                Insert.With(name, null);
            }
        }

        public DbConnection Connection { get; }

        public DbCommand Tail { get; }

        /// <summary>
        /// Whether <see cref="Tail"/> takes the append lock itself (PostgreSQL), so that a batch's transaction needs
        /// no round trip of its own for it (issue 18: a PostgreSQL group commit was four round trips, now three).
        /// </summary>
        public bool TailTakesAppendLock { get; }

        /// <summary>A transaction for one append that holds the append lock once <see cref="Tail"/> has run.</summary>
        public DbTransaction BeginAppend(StorageDatabase database) =>
            TailTakesAppendLock ? Connection.BeginTransaction() : database.BeginExclusive(Connection, AppendLockId);

        /// <summary>PostgreSQL's INSERT; null on SQLite.</summary>
        public DbCommand? Insert { get; }

        /// <summary>SQLite's INSERT; null on PostgreSQL.</summary>
        public SqliteAuditInsert? Rows { get; }

        public void Enlist(DbTransaction transaction)
        {
            Tail.Transaction = transaction;
            if (Insert is not null)
            {
                Insert.Transaction = transaction;
            }
        }

        public void Dispose()
        {
            Tail.Dispose();
            Insert?.Dispose();
            Rows?.Dispose();
        }
    }

    /// <summary>
    /// Appends the group commit's batches, one transaction each, with blocking I/O on the calling thread: the writer
    /// has a thread of its own, and with asynchronous I/O every round trip of a batch resumed through the thread pool's
    /// queue, behind the requests this very commit had just released (issue 18: at 256 connections on PostgreSQL that
    /// doubled the time per commit and shrank the batches). Used by that one thread only.
    /// </summary>
    internal sealed class BatchAppender(SqlAuditStore store) : IDisposable
    {
        // SQLite keeps its connection and compiled statements from batch to batch: compiling the INSERT and the tail
        // read again for every batch was most of a commit's CPU beyond the write itself (issue 18). The file is local,
        // so nothing closes an idle connection behind the writer's back. PostgreSQL's connection goes back to the pool
        // after each batch, which keeps handling its lifetime (server restarts, idle timeouts, PgBouncer); there a
        // batch is the same few statements whatever its size, and nothing is prepared.
        private readonly bool _keepConnection = store.Database.Provider == StorageProvider.Sqlite;
        private DbConnection? _connection;
        private AppendCommands? _commands;

        /// <summary>Appends <paramref name="drafts"/> in order in one transaction, committed before this returns.</summary>
        public IReadOnlyList<AuditEvent> Append(IReadOnlyList<AuditEventDraft> drafts)
        {
            bool failed = true;
            try
            {
                _connection ??= store.Database.OpenConnection();
                _commands ??= new AppendCommands(_connection, store.Database.Provider);
                using var transaction = _commands.BeginAppend(store.Database);
                // Completes synchronously: with async: false nothing in it awaits anything unfinished.
                var appended = AppendAsync(_commands, transaction, drafts, async: false, CancellationToken.None).GetAwaiter().GetResult();
                transaction.Commit();
                failed = false;
                return appended;
            }
            catch (Exception ex) when (ex is not StorageException && store.Database.Translate(ex) is { } translated)
            {
                throw translated;
            }
            finally
            {
                // After a failure the next batch starts over on a fresh connection, whatever state this one was left in.
                if (failed || !_keepConnection)
                {
                    Dispose();
                }
            }
        }

        public void Dispose()
        {
            _commands?.Dispose();
            _connection?.Dispose();
            (_commands, _connection) = (null, null);
        }
    }
}
